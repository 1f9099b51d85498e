import { createInterface } from 'node:readline';
import type { SessionEvent } from 'confab';
import { afterAll, describe, expect, it } from 'vitest';
import { Database } from './driver.js';
import { SqliteStore } from './index.js';
import { spawnFixture, temporaryDatabase } from './test-fixtures/temporary-database.js';

const ROUNDS = 10;
const SESSIONS = 6;

/** Every event the writer reported as acknowledged: session id → seq → messageId. */
type Acknowledged = Map<string, Map<number, string>>;

/**
 * Runs the writer once and kills it with SIGKILL at a random moment: usually while it appends,
 * sometimes (every fourth round) at any point of its start-up, migration included.
 */
async function runAndKill(filename: string, round: number, acknowledged: Acknowledged): Promise<number> {
  const child = spawnFixture('crash-writer.ts', [filename, String(SESSIONS), String(round)]);
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  let acks = 0;
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line === 'ready') {
      markReady();
      return;
    }
    const [kind, sessionId, seq, messageId] = line.split(' ');
    if (kind !== 'ack' || !sessionId || !seq || !messageId) return;
    const seqs = acknowledged.get(sessionId) ?? new Map<number, string>();
    acknowledged.set(sessionId, seqs);
    seqs.set(Number(seq), messageId);
    acks++;
  });
  const killAnytime = round % 4 === 3;
  const startedOrExited = await Promise.race([
    killAnytime ? sleep(Math.random() * 700) : ready,
    exited.then(() => 'exited' as const),
    // A hang detector, not a timing claim: a writer's start (tsx, then the store) can take many
    // seconds when other work shares the machine's two cores.
    sleep(60_000).then(() => 'timeout' as const),
  ]);
  if (startedOrExited === 'exited') throw new Error(`the writer exited on its own: ${stderr}`);
  if (startedOrExited === 'timeout') throw new Error(`the writer did not start: ${stderr}`);
  if (!killAnytime) await sleep(20 + Math.random() * 250);
  child.kill('SIGKILL');
  await exited;
  return acks;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function readAll(store: SqliteStore, sessionId: string): Promise<SessionEvent[]> {
  const events: SessionEvent[] = [];
  let after = 0;
  for (;;) {
    const page = await store.readEvents(sessionId, { after, limit: 1000 });
    events.push(...page.events);
    if (page.nextAfter === null) return events;
    after = page.nextAfter;
  }
}

describe('crash safety (kill -9)', () => {
  const database = temporaryDatabase();
  afterAll(() => database.remove());

  // Ten writer processes start one after another, each loading TypeScript through tsx: about 25 s
  // on an idle 2-core machine, so the default 30 s fails whenever other work shares the cores.
  it('loses no acknowledged append and opens clean after repeated SIGKILLs', async () => {
    const acknowledged: Acknowledged = new Map();
    let totalAcks = 0;
    for (let round = 0; round < ROUNDS; round++) {
      totalAcks += await runAndKill(database.filename, round, acknowledged);
    }
    expect(totalAcks).toBeGreaterThan(0);

    const raw = new Database(database.filename);
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    raw.close();

    const store = new SqliteStore({ filename: database.filename });
    try {
      expect((await store.migrate()).version).toBe(await store.schemaVersion());
      const { sessions } = await store.listSessions({ appId: 'crash', limit: 200 });
      expect(sessions).toHaveLength(SESSIONS);
      for (const session of sessions) {
        const events = await readAll(store, session.id);
        expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
        expect(session.lastSeq).toBe(events.length);
        // The session row and its events are written in one transaction: they always agree.
        expect(session.state).toEqual(events.length > 0 ? { head: events.length } : {});
        const bySeq = new Map(events.map((event) => [event.seq, event]));
        for (const [seq, messageId] of acknowledged.get(session.id) ?? []) {
          const event = bySeq.get(seq);
          expect(event?.type === 'message' ? event.data.messageId : undefined).toBe(messageId);
        }
      }
      // Still fully writable after the crashes.
      const [first] = sessions;
      if (first) {
        const appended = await store.appendEvents({
          sessionId: first.id,
          events: [{ type: 'error', turn: 1, data: { code: 'internal', message: 'recovered' } }],
        });
        expect(appended.events[0]?.seq).toBe(first.lastSeq + 1);
      }
    } finally {
      await store.close();
    }
  }, 300_000);
});
