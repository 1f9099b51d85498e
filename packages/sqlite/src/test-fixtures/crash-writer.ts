/*
 * Crash-test writer: appends to several sessions as fast as it can through SqliteStore with
 * synchronous FULL and prints every acknowledged event as `ack <sessionId> <seq> <messageId>`.
 * The parent test kills it with SIGKILL at random moments and checks that every printed event
 * survived. Usage: crash-writer.ts <filename> <sessionCount> <round>
 */
import type { NewEvent } from 'confab';
import { SqliteStore } from '../index.js';

const [filename, sessionCountText, round] = process.argv.slice(2);
if (!filename || !sessionCountText || round === undefined) throw new Error('usage: <filename> <sessions> <round>');

const store = new SqliteStore({ filename, synchronous: 'FULL' });
await store.migrate();
const sessions = await Promise.all(
  Array.from({ length: Number(sessionCountText) }, async (_, index) => {
    const { session } = await store.createSession({ appId: 'crash', clientSessionId: `writer-${index}` });
    return session;
  }),
);
process.stdout.write('ready\n');

await Promise.all(
  sessions.map(async (session) => {
    for (let step = 0; ; step++) {
      const events: NewEvent[] = Array.from({ length: 1 + (step % 3) }, (_, index) => ({
        type: 'message',
        turn: 1,
        data: { messageId: `r${round}-s${step}-e${index}`, role: 'assistant', text: 'x'.repeat(50 * index) },
      }));
      const current = await store.getSession(session.id);
      const result = await store.appendEvents({
        sessionId: session.id,
        events,
        // The state records the head it was written with: it must match the log after any crash.
        update: { state: { head: (current?.lastSeq ?? 0) + events.length } },
        expectedLastSeq: current?.lastSeq ?? 0,
      });
      const lines = result.events.map((event) =>
        event.type === 'message' ? `ack ${session.id} ${event.seq} ${event.data.messageId}\n` : '',
      );
      process.stdout.write(lines.join(''));
    }
  }),
);
