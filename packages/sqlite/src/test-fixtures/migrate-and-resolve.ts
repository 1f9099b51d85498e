/*
 * Multi-process fixture: opens the file, migrates, resolves one channel and tries to take one
 * session's lease, then prints the outcome as JSON. Several copies start at once on one fresh file.
 * Usage: migrate-and-resolve.ts <filename> <owner>
 */
import { SqliteStore } from '../index.js';

const [filename, owner] = process.argv.slice(2);
if (!filename || !owner) throw new Error('usage: <filename> <owner>');

const store = new SqliteStore({ filename, busyTimeoutMs: 20_000 });
const { version } = await store.migrate();
const { session, created } = await store.resolveChannel('app', 'shared-channel');
const lease = await store.acquireLease(session.id, owner, 60_000);
process.stdout.write(
  `${JSON.stringify({ version, sessionId: session.id, created, leaseToken: lease?.token ?? null })}\n`,
);
await store.close();
