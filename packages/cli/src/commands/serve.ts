import type { RunningServer } from '@confab/server';
import type { Command } from 'commander';
import type { Output } from '../output.js';
import { requireProviderKeys, resolveServeConfig, SERVE_DEFAULTS, type ServeFlags } from '../serve/config.js';
import { LIMIT_FLAGS } from '../serve/limit-flags.js';

/** What `serve` needs from its surroundings (tests give their own). */
export interface ServeEnvironment {
  env: NodeJS.ProcessEnv;
  cwd: string;
  output: Output;
  /** Called with the running server; the default waits for SIGINT/SIGTERM and shuts down. */
  onListening?: (running: RunningServer) => void;
}

/** Adds `confab serve` to the program. */
export function registerServeCommand(program: Command, environment: ServeEnvironment): void {
  const serve = program
    .command('serve')
    .description('run the HTTP API (SQLite under ./.confab, port 8787 on 127.0.0.1, the echo model)')
    .option('--port <port>', `port to listen on; 0 picks a free one (env CONFAB_PORT, default ${SERVE_DEFAULTS.port})`)
    .option('--host <host>', `address to listen on (env CONFAB_HOST, default ${SERVE_DEFAULTS.host})`)
    .option(
      '--store <store>',
      `sqlite:<file>, jsonl:<dir> or postgres://… (env CONFAB_STORE, default ${SERVE_DEFAULTS.store})`,
    )
    .option(
      '--model <model>',
      `default model: echo, openai:<name>, anthropic:<name>, openai-compatible:<baseURL>:<name> (env CONFAB_MODEL, default ${SERVE_DEFAULTS.model})`,
    )
    .option(
      '--tokens <tokens>',
      '<app>:<token>[,…]: accept these tokens instead of a generated dev token (env CONFAB_TOKENS)',
    )
    .option(
      '--lease-ttl-ms <ms>',
      `time to live of session leases: a crashed server's sessions are taken over after it (env CONFAB_LEASE_TTL_MS, default ${SERVE_DEFAULTS.leaseTtlMs})`,
    )
    .option(
      '--cors-origin <origins>',
      'comma list of origins whose browser apps may call the API, e.g. http://localhost:5173 (env CONFAB_CORS_ORIGIN, default none)',
    )
    .option(
      '--models <models>',
      'comma list of the models requests may name (env CONFAB_MODELS, default: the --model and echo); the --model is always allowed',
    )
    .option(
      '--turn-timeout-ms <ms>',
      `a turn still running after this ends with stopReason "timeout"; 0 for none (env CONFAB_TURN_TIMEOUT_MS, default ${SERVE_DEFAULTS.turnTimeoutMs})`,
    )
    .option(
      '--openai-compatible-api-key <key>',
      'API key that openai-compatible: models send as a bearer token (env CONFAB_OPENAI_COMPATIBLE_API_KEY)',
    )
    .option(
      '--log-level <level>',
      `fatal, error, warn, info, debug, trace or silent; readable lines on a terminal, JSON otherwise (env CONFAB_LOG_LEVEL, default ${SERVE_DEFAULTS.logLevel})`,
    )
    .option('--no-studio', 'do not serve the Studio web inspector at /studio (env CONFAB_STUDIO=off)');
  for (const limit of LIMIT_FLAGS) {
    serve.option(`${limit.flag} <n>`, `${limit.help} (env ${limit.env}, default ${limit.defaultValue})`);
  }
  serve.action(async (flags: ServeFlags) => {
    const config = resolveServeConfig(flags, environment.env, environment.cwd);
    requireProviderKeys(config, environment.env);
    // Loaded here, not at the top: the server, the runtime and the logger cost a second or more
    // to load, which every other command (chat, sessions, token) would otherwise pay too.
    const { startServer } = await import('../serve/start-server.js');
    const running = await startServer(config, environment.output);
    (environment.onListening ?? waitForSignals(environment.output))(running);
  });
}

/**
 * Shuts down gracefully on the first SIGINT/SIGTERM (running turns get 10 s), and at once on a
 * second one. A duplicate within half a second is ignored: a terminal's Ctrl-C reaches both the
 * `confab` launcher and this process, and the launcher forwards it too.
 */
function waitForSignals(output: Output): (running: RunningServer) => void {
  return (running) => {
    let firstAt = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      const now = Date.now();
      if (firstAt && now - firstAt < 500) return;
      if (firstAt) {
        output.err('confab: stopping now');
        process.exit(1);
      }
      firstAt = now;
      output.err(`confab: ${signal}: shutting down (running turns get 10 s; repeat to stop at once)`);
      running.close({ deadlineMs: 10_000 }).then(
        () => process.exit(0),
        (error: unknown) => {
          output.err(`confab: shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
          process.exit(1);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  };
}
