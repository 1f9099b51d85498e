/**
 * `npm run example:chat:server`: `confab serve` with the example's {@link demoAgent}, so the
 * page's approval demo has a tool that needs approval. Same defaults and environment variables as
 * `npm start` (CONFAB_PORT, CONFAB_HOST, CONFAB_STORE, CONFAB_MODEL, CONFAB_TOKENS, CONFAB_CORS_ORIGIN) and the same
 * store, so a dev token printed by `npm start` works here too. Run one of the two at a time.
 */
import { ensureTokens, openStore, resolveServeConfig } from '@confab/cli';
import { createApp, serve } from '@confab/server';
import { Pool } from 'confab';
import { demoAgent } from './demo-agent.js';

const output = { out: (text: string) => console.log(text), err: (text: string) => console.error(text) };
const config = resolveServeConfig({}, process.env, process.cwd());
const { store } = await openStore(config.store);
await ensureTokens(store, config.tokens, output);
const pool = new Pool({ store, defaultModel: config.model, factory: (_session, model) => demoAgent(model) });
const app = createApp({ store, pool, logger: false, corsOrigins: config.corsOrigins });
const running = await serve({ app, port: config.port, host: config.host });
output.err(`confab (use-chat demo agent): listening on ${running.url}, model ${config.model}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void running.close({ deadlineMs: 2000 }).finally(() => process.exit(0));
  });
}
