import { createApp, createMetrics, type RunningServer, serve } from '@confab/server';
import { createModelResolver, LifecycleBus, Pool } from 'confab';
import { pino } from 'pino';
import { CliError } from '../cli-error.js';
import type { Output } from '../output.js';
import type { ServeConfig } from './config.js';
import { describeStore, openStore } from './open-store.js';
import { ensureTokens } from './tokens.js';

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
  const { store, lifecycleTransport } = await openStore(config.store);
  try {
    await ensureTokens(store, config.tokens, output);
    const metrics = createMetrics();
    const measured = metrics.instrumentStore(store);
    const bus = lifecycleTransport ? new LifecycleBus(lifecycleTransport) : undefined;
    const pool = new Pool({
      store: measured,
      defaultModel: config.model,
      resolveModel,
      bus,
      leaseTtlMs: config.leaseTtlMs,
    });
    const logger = pino({ level: process.env.LOG_LEVEL ?? 'info', base: { service: 'confab' } });
    const { requestTimeoutMs, maxConnections, ...limits } = config.limits;
    let app: ReturnType<typeof createApp>;
    try {
      app = createApp({ store: measured, pool, resolveModel, metrics, logger, limits });
    } catch (error) {
      // A combination of limits the server refuses (e.g. an upload rate below the file size limit).
      if (error instanceof RangeError) throw new CliError(`bad limits: ${error.message}`);
      throw error;
    }
    const listener = { port: config.port, host: config.host, requestTimeoutMs, maxConnections };
    const running = await serve({ app, ...listener }).catch((error: unknown) => {
      const code = (error as { code?: string }).code;
      const reason =
        code === 'EADDRINUSE' ? 'the port is in use' : error instanceof Error ? error.message : String(error);
      throw new CliError(`cannot listen on ${config.host}:${config.port}: ${reason}`, 1);
    });
    output.err(`confab: listening on ${running.url} (store ${describeStore(config.store)}, model ${config.model})`);
    return running;
  } catch (error) {
    await store.close().catch(() => undefined);
    await lifecycleTransport?.close?.().catch(() => undefined);
    throw error;
  }
}
