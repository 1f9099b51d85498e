import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
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
    const studio = config.studio ? { directory: studioDirectory() } : false;
    const app = createApp({ store: measured, pool, resolveModel, metrics, logger, studio });
    const running = await serve({ app, port: config.port, host: config.host }).catch((error: unknown) => {
      const code = (error as { code?: string }).code;
      const reason =
        code === 'EADDRINUSE' ? 'the port is in use' : error instanceof Error ? error.message : String(error);
      throw new CliError(`cannot listen on ${config.host}:${config.port}: ${reason}`, 1);
    });
    output.err(`confab: listening on ${running.url} (store ${describeStore(config.store)}, model ${config.model})`);
    if (config.studio) output.err(`confab: Studio at ${running.url}/studio/`);
    return running;
  } catch (error) {
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
