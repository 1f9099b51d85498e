/*
 * The child process of `crash.int.test.ts`: appends to a few sessions as fast as it can and prints
 * one `ack` line per event only after its append resolved, until the test SIGKILLs it.
 * Usage: node --import tsx --conditions=confab-source crash-writer.fixture.ts <directory> <round>
 */
import { JsonlStore } from './index.js';

const [directory, round] = process.argv.slice(2);
if (!directory || !round) throw new Error('usage: crash-writer.fixture.ts <directory> <round>');

/** The sessions every round writes to (the test lists the same ids). */
const CRASH_SESSION_IDS = ['crash-a', 'crash-b', 'crash-c'];

const store = new JsonlStore({ directory, logger: { warn: (line) => process.stderr.write(`${line}\n`) } });
await store.migrate();
for (const id of CRASH_SESSION_IDS) {
  if (!(await store.getSession(id))) await store.createSession({ id, appId: 'app' });
}
// Pipes to the parent are written synchronously on Linux, so a printed ack is never lost by the kill.
process.stdout.write('ready\n');

let counter = 0;
await Promise.all(
  CRASH_SESSION_IDS.map(async (sessionId) => {
    for (;;) {
      const marker = `${round}-${sessionId}-${counter++}`;
      const snapshot = counter % 4 === 0 ? { id: `snap-${marker}` } : undefined;
      const events = Array.from({ length: 1 + (counter % 3) }, (_, index) => ({
        type: 'message' as const,
        turn: 1,
        data: { messageId: `${marker}-${index}`, role: 'assistant' as const, text: 'x'.repeat(counter % 200) },
      }));
      const result = await store.appendEvents({ sessionId, events, snapshot });
      for (const event of result.events) {
        const messageId = event.type === 'message' ? event.data.messageId : '-';
        process.stdout.write(`ack ${sessionId} ${event.seq} ${messageId} ${snapshot?.id ?? '-'}\n`);
      }
    }
  }),
);
