/**
 * `@confab/cli`: the `confab` command — `serve` runs the HTTP API; `chat`, `sessions` and `bench`
 * work against a server or a checkout; `token` manages a store's tokens directly. Each command
 * lives in `commands/` and registers itself in {@link buildProgram}.
 */
export { CliError } from './cli-error.js';
export { type Connection, type ConnectionFlags, DEFAULT_SERVER_URL, resolveConnection } from './client/connection.js';
export { explainClientError } from './client/explain-error.js';
export { registerServeCommand, type ServeEnvironment } from './commands/serve.js';
export { type CliEnvironment, processEnvironment } from './environment.js';
export type { Output } from './output.js';
export { buildProgram } from './program.js';
export { runCli } from './run.js';
export {
  DEV_APP_ID,
  type GivenToken,
  isAppId,
  parseStore,
  parseTokens,
  resolveServeConfig,
  resolveStoreSpec,
  SERVE_DEFAULTS,
  type ServeConfig,
  type ServeFlags,
  type StoreSpec,
} from './serve/config.js';
export { describeStore, type OpenedStore, openStore, withStore } from './serve/open-store.js';
export { startServer } from './serve/start-server.js';
export { ensureTokens } from './serve/tokens.js';
