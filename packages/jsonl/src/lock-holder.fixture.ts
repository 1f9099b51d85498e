/*
 * The child process of `directory-lock.int.test.ts`: opens the store, records that it did (a session
 * named after its round), prints `ready <pid>` and holds the store until it is killed. An open that
 * fails prints the error and exits 1.
 * Usage: node --import tsx --conditions=confab-source lock-holder.fixture.ts <directory> <round>
 */
import { JsonlStore } from './index.js';

const [directory, round] = process.argv.slice(2);
if (!directory || !round) throw new Error('usage: lock-holder.fixture.ts <directory> <round>');

const store = new JsonlStore({ directory, logger: { warn: (line) => process.stderr.write(`${line}\n`) } });
try {
  await store.migrate();
  const { session } = await store.createSession({ id: `round-${round}`, appId: 'app' });
  await store.appendEvents({
    sessionId: session.id,
    events: [{ type: 'message', turn: 1, data: { messageId: `m-${round}`, role: 'assistant', text: round } }],
  });
} catch (error) {
  process.stderr.write(`${(error as { code?: string }).code ?? 'error'}: ${(error as Error).message}\n`);
  process.exit(1);
}
process.stdout.write(`ready ${process.pid}\n`);
setInterval(() => undefined, 60_000);
