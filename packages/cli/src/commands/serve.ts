import type { RunningServer } from '@confab/server';
import type { Command } from 'commander';
import type { Output } from '../output.js';
import { resolveServeConfig, SERVE_DEFAULTS, type ServeFlags } from '../serve/config.js';

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
  program
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
      '--log-level <level>',
      `fatal, error, warn, info, debug, trace or silent; readable lines on a terminal, JSON otherwise (env CONFAB_LOG_LEVEL, default ${SERVE_DEFAULTS.logLevel})`,
    )
    .option(
      '--max-running-turns <n>',
      `turns requested over HTTP that may run at once, more get 503 (env CONFAB_MAX_RUNNING_TURNS, default ${SERVE_DEFAULTS.maxRunningTurns})`,
    )
    .option(
      '--max-open-streams <n>',
      `SSE streams that may be open at once, more get 503 (env CONFAB_MAX_OPEN_STREAMS, default ${SERVE_DEFAULTS.maxOpenStreams})`,
    )
    .action(async (flags: ServeFlags) => {
      const config = resolveServeConfig(flags, environment.env, environment.cwd);
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
