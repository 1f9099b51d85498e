/**
 * `@confab/cli`: the `confab` command. Only `serve` for now; the rest of the CLI (chat, sessions,
 * tokens, bench) registers further commands in {@link buildProgram}.
 */
export { CliError } from './cli-error.js';
export { registerServeCommand, type ServeEnvironment, startServer } from './commands/serve.js';
export type { Output } from './output.js';
export { buildProgram } from './program.js';
export { runCli } from './run.js';
export {
  type GivenToken,
  parseStore,
  parseTokens,
  resolveServeConfig,
  SERVE_DEFAULTS,
  type ServeConfig,
  type ServeFlags,
  type StoreSpec,
} from './serve/config.js';
export { describeStore, type OpenedStore, openStore } from './serve/open-store.js';
export { DEV_APP_ID, ensureTokens } from './serve/tokens.js';
