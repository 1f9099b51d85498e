import { createApp, createLogObserver, createMetrics, type RunningServer, serve } from '@confab/server';
import { createModelResolver, LifecycleBus, Pool } from 'confab';
import { type Logger, pino } from 'pino';
import pretty from 'pino-pretty';
import { CliError } from '../cli-error.js';
import type { Output } from '../output.js';
import type { LogLevel, ServeConfig } from './config.js';
import { describeStore, openStore } from './open-store.js';
import { ensureTokens } from './tokens.js';
import { startTracing } from './tracing.js';

/**
 * Opens the store, checks the model, sets up tokens and listens. Everything it opened is closed
 * again when a later step fails, so a bad flag never leaves a locked database behind.
 */
export async function startServer(config: ServeConfig, output: Output): Promise<RunningServer> {
  const resolveModel = createModelResolver();
  try {
    await resolveModel(config.model);
  } catch (error) {
    throw new CliError(
      `--model ${config.model} cannot be used: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  // Before anything creates spans, so the first request is already traced.
  const tracing = startTracing(process.env);
  const { store, lifecycleTransport } = await openStore(config.store);
  try {
    await ensureTokens(store, config.tokens, output);
    const metrics = createMetrics();
    const measured = metrics.instrumentStore(store);
    const bus = lifecycleTransport ? new LifecycleBus(lifecycleTransport) : undefined;
    const logger = createLogger(config.logLevel);
    const pool = new Pool({
      observer: createLogObserver(logger),
      store: measured,
      defaultModel: config.model,
      resolveModel,
      bus,
      leaseTtlMs: config.leaseTtlMs,
    });
    const limits = { maxRunningTurns: config.maxRunningTurns, maxOpenStreams: config.maxOpenStreams };
    const app = createApp({ store: measured, pool, resolveModel, metrics, logger, limits });
    const running = await serve({ app, port: config.port, host: config.host }).catch((error: unknown) => {
      const code = (error as { code?: string }).code;
      const reason =
        code === 'EADDRINUSE' ? 'the port is in use' : error instanceof Error ? error.message : String(error);
      throw new CliError(`cannot listen on ${config.host}:${config.port}: ${reason}`, 1);
    });
    output.err(`confab: listening on ${running.url} (store ${describeStore(config.store)}, model ${config.model})`);
    if (tracing) output.err(`confab: exporting traces over OTLP/HTTP to ${tracing.endpoint}`);
    if (!tracing) return running;
    // Spans still buffered are exported before the process exits.
    return { ...running, close: (options) => running.close(options).finally(tracing.shutdown) };
  } catch (error) {
    await tracing?.shutdown();
    await store.close().catch(() => undefined);
    await lifecycleTransport?.close?.().catch(() => undefined);
    throw error;
  }
}

/** JSON lines on stdout; readable, coloured lines when stdout is a terminal. */
function createLogger(level: LogLevel): Logger {
  const options = { level, base: { service: 'confab' } };
  if (!process.stdout.isTTY) return pino(options);
  return pino(options, pretty({ colorize: true, sync: true, singleLine: true, ignore: 'service,pid,hostname' }));
}
