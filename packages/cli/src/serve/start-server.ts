import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import {
  createApp,
  createLogObserver,
  createMetrics,
  createServerModelResolver,
  logProviderErrors,
  type RunningServer,
  serve,
} from '@confab/server';
import { LifecycleBus, Pool } from 'confab';
import { type Logger, pino } from 'pino';
import pretty from 'pino-pretty';
import { CliError } from '../cli-error.js';
import type { Output } from '../output.js';
import type { LogLevel, ServeConfig } from './config.js';
import { describeStore, openStore } from './open-store.js';
import { ensureTokens } from './tokens.js';
import { startTracing } from './tracing.js';

function cannotListen(config: ServeConfig, error: unknown): CliError {
  const code = (error as { code?: string }).code;
  const reason = code === 'EADDRINUSE' ? 'the port is in use' : error instanceof Error ? error.message : String(error);
  return new CliError(`cannot listen on ${config.host}:${config.port}: ${reason}`, 1);
}

/**
 * Fails with the reason when nothing can listen on the configured address (a busy port, say), so
 * that `serve` stops before it creates a store or prints a dev token. The server binds again later:
 * a port taken in between still fails then, with the same message.
 */
async function assertCanListen(config: ServeConfig): Promise<void> {
  if (config.port === 0) return;
  const probe = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen({ port: config.port, host: config.host, exclusive: true }, resolve);
    });
  } catch (error) {
    throw cannotListen(config, error);
  }
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}

/**
 * Checks the address and the model, opens the store, sets up tokens and listens. Everything it
 * opened is closed again when a later step fails, so a bad flag never leaves a locked database behind.
 */
export async function startServer(config: ServeConfig, output: Output): Promise<RunningServer> {
  await assertCanListen(config);
  const resolveModel = createServerModelResolver({
    openaiCompatible: config.openaiCompatibleApiKey ? { apiKey: config.openaiCompatibleApiKey } : {},
  });
  for (const model of config.models) {
    try {
      await resolveModel(model);
    } catch (error) {
      const flag = model === config.model ? '--model' : '--models';
      throw new CliError(`${flag} ${model} cannot be used: ${error instanceof Error ? error.message : String(error)}`);
    }
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
      turnTimeoutMs: config.turnTimeoutMs,
      onProviderError: logProviderErrors(logger),
    });
    const { requestTimeoutMs, maxConnections, listenBacklog, ...limits } = config.limits;
    let app: ReturnType<typeof createApp>;
    try {
      app = createApp({
        store: measured,
        pool,
        resolveModel,
        allowedModels: config.models,
        metrics,
        logger,
        limits,
        corsOrigins: config.corsOrigins,
        studio: config.studio ? { directory: studioDirectory() } : false,
      });
    } catch (error) {
      // A combination of limits the server refuses (e.g. an upload rate below the file size limit).
      if (error instanceof RangeError) throw new CliError(`bad limits: ${error.message}`);
      throw error;
    }
    const listener = { port: config.port, host: config.host, requestTimeoutMs, maxConnections, listenBacklog };
    const running = await serve({ app, ...listener }).catch((error: unknown) => {
      throw cannotListen(config, error);
    });
    output.err(`confab: listening on ${running.url} (store ${describeStore(config.store)}, model ${config.model})`);
    if (config.studio) output.err(`confab: Studio at ${running.url}/studio/`);
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

/** The built Studio inside the `@confab/studio` package (its `dist/`, committed, so a fresh clone has it). */
function studioDirectory(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@confab/studio/package.json')), 'dist');
}

/** Readable single lines on a terminal, JSON lines otherwise (log shippers read those). */
function createLogger(level: LogLevel): Logger {
  const options = { level, base: { service: 'confab' } };
  if (!process.stdout.isTTY) return pino(options);
  return pino(options, pretty({ colorize: true, sync: true, singleLine: true, ignore: 'service,pid,hostname' }));
}
