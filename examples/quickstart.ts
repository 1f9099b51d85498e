/**
 * Five-minute tour of the durable log: create a session in a SQLite file, write two turns under a
 * lease, fork the conversation from the first turn's snapshot, continue the fork, and print both
 * histories. Run it with `npm start`; run it again and the file keeps everything.
 */
import { mkdirSync } from 'node:fs';
import { SqliteStore } from '@confab/sqlite';
import { type NewEvent, newId, type SessionEvent, type SessionStore } from 'confab';

const filename = process.env.CONFAB_QUICKSTART_DB ?? '.confab/quickstart.db';
mkdirSync('.confab', { recursive: true });
const store: SessionStore = new SqliteStore({ filename });
await store.migrate();

/** One turn: the user's input, the assistant's answer, a turn-end reporting a snapshot. */
async function turn(sessionId: string, index: number, userText: string, answer: string): Promise<string> {
  const lease = await store.acquireLease(sessionId, 'quickstart', 30_000);
  if (!lease) throw new Error('someone else is writing this session');
  const inputId = newId('in');
  const snapshotId = newId('snap');
  const events: NewEvent[] = [
    { type: 'input', turn: index, data: { inputId, text: userText } },
    { type: 'turn-start', turn: index, data: { inputIds: [inputId], inputCount: 1, model: 'echo' } },
    { type: 'message', turn: index, data: { messageId: newId('msg'), role: 'assistant', text: answer } },
    {
      type: 'turn-end',
      turn: index,
      data: { snapshotId, inputCount: 1, inputIds: [inputId], stopReason: 'stop', usage: null, durationMs: 0 },
    },
  ];
  await store.appendEvents({ sessionId, lease, events, update: { turnCount: index }, snapshot: { id: snapshotId } });
  await store.releaseLease(lease);
  return snapshotId;
}

function print(title: string, events: SessionEvent[]): void {
  console.log(`\n${title}`);
  for (const event of events) {
    const text = event.type === 'input' || event.type === 'message' ? `  ${JSON.stringify(event.data.text)}` : '';
    console.log(`  #${event.seq} turn ${event.turn} ${event.type}${text}`);
  }
}

const { session } = await store.createSession({ appId: 'demo', title: 'Trip planning' });
const firstSnapshot = await turn(session.id, 1, 'Plan a day in Lisbon', 'echo: Plan a day in Lisbon');
await turn(session.id, 2, 'Add a museum', 'echo: Add a museum');

const fork = await store.forkSession({ sessionId: session.id, appId: 'demo', snapshotId: firstSnapshot });
await turn(fork.id, 2, 'Make it a beach day instead', 'echo: Make it a beach day instead');

print(`session ${session.id}`, (await store.readEvents(session.id)).events);
print(`fork ${fork.id} (shares events 1–4, copied nothing)`, (await store.readEvents(fork.id)).events);
const { sessions } = await store.listSessions({ appId: 'demo', limit: 200 });
console.log(`\n${sessions.length} sessions stored in ${filename}`);
await store.close();
