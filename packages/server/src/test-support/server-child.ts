/**
 * A server in its own process, for kill -9 tests: `server-child.ts <database file> <token>`.
 * Prints `listening <url>` once it accepts requests. App `crash` owns the token.
 */
import { SqliteStore } from '@confab/sqlite';
import { newId, Pool, sha256Hex } from 'confab';
import { createApp } from '../app.js';
import { serve } from '../serve.js';

const [filename, token] = process.argv.slice(2);
if (!filename || !token) throw new Error('usage: server-child.ts <database file> <token>');
const store = new SqliteStore({ filename });
await store.migrate();
const tokenHash = await sha256Hex(token);
if (!(await store.findToken(tokenHash))) {
  await store.createApp({ id: 'crash', name: 'crash' });
  await store.createToken({ id: newId('tok'), appId: 'crash', tokenHash });
}
// A short lease lets the restarted server take over sessions the killed one held within the test.
const pool = new Pool({ store, leaseTtlMs: 1500 });
const running = await serve({ app: createApp({ store, pool, logger: false, metrics: false }), port: 0 });
process.stdout.write(`listening ${running.url}\n`);
process.on('SIGTERM', () => {
  running.close({ deadlineMs: 1000 }).then(() => process.exit(0));
});
