/**
 * Five-minute tour: sessions in a SQLite file, turns with the built-in echo model (streamed), inputs
 * sent during a turn batched into the next one, and a fork from the first turn's snapshot that
 * continues on its own. Run it with `npm start`; run it again and the file keeps everything.
 */
import { mkdirSync } from 'node:fs';
import { SqliteStore } from '@confab/sqlite';
import { Pool, type StreamEvent } from 'confab';

mkdirSync('.confab', { recursive: true });
const store = new SqliteStore({ filename: process.env.CONFAB_QUICKSTART_DB ?? '.confab/quickstart.db' });
await store.migrate();
const pool = new Pool({ store, appId: 'quickstart', defaultModel: 'echo' });

/** Runs one turn, counting its streamed deltas, and returns the final text and snapshot. */
async function turn(sessionId: string, text: string) {
  const handle = await pool.chat(sessionId, text);
  let deltas = 0;
  let answer = '';
  for await (const event of handle as AsyncIterable<StreamEvent>) {
    if (event.type === 'text-delta') deltas++;
    if (event.type === 'message') answer = event.data.text;
  }
  const result = await handle.result;
  return { answer, deltas, result };
}

const { session } = await pool.createSession(null, { title: null });
const first = await turn(session.id, 'Plan a day in Lisbon');
console.log(`turn 1: ${first.answer}   (streamed as ${first.deltas} deltas, stopReason ${first.result.stopReason})`);
const second = await turn(session.id, 'Add a museum');
console.log(`turn 2: ${second.answer}`);

// Three quick messages while a slow turn runs: the queue hands them to the next turn as one batch.
await pool.send(session.id, '/sleep 300 thinking slowly');
await new Promise((resolve) => setTimeout(resolve, 50));
for (const text of ['also a good lunch spot', 'and a viewpoint', 'last thing: sunset'])
  await pool.send(session.id, text);
await pool.runner.session(session.id).idle();
const ends = (await store.readEvents(session.id, { limit: 1000 })).events.filter((event) => event.type === 'turn-end');
const batched = ends[ends.length - 1];
if (batched?.type === 'turn-end') console.log(`batched turn ${batched.turn} took ${batched.data.inputCount} inputs`);

const fork = await store.forkSession({
  sessionId: session.id,
  appId: 'quickstart',
  snapshotId: first.result.snapshotId,
});
const branch = await turn(fork.id, 'Make it a beach day instead');
console.log(`fork of turn 1 continues on its own: ${branch.answer}`);

const events = (await store.readEvents(session.id, { limit: 1000 })).events.length;
console.log(
  `session ${session.id} has ${events} events; the fork shares the first ${fork.parent?.seq} and copied none`,
);
const { sessions } = await pool.listSessions({ includeArchived: true, limit: 200 });
console.log(`${sessions.length} sessions stored for app "quickstart" in .confab/quickstart.db`);
await pool.close();
await store.close();
