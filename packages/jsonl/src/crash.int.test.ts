import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SessionEvent } from 'confab';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { JsonlStore } from './index.js';

/*
 * kill -9 at random moments, many times: every append the writer saw acknowledged must be on disk
 * afterwards, seqs must stay contiguous and the store must open clean. The writer runs as
 * `node --import tsx --conditions=confab-source` (what `npx tsx` does, minus the wrapper processes), so
 * the SIGKILL hits the writing process itself.
 */

const SESSION_IDS = ['crash-a', 'crash-b', 'crash-c'];
const ROUNDS = 10;
/** Under heavy machine load the rounds stop early (after at least `MINIMUM_ROUNDS`) to stay in time. */
const MINIMUM_ROUNDS = 5;
const ROUNDS_BUDGET_MS = 12_000;
const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));
const writerScript = fileURLToPath(new URL('./crash-writer.fixture.ts', import.meta.url));

interface Acknowledgement {
  sessionId: string;
  seq: number;
  messageId: string;
  snapshotId: string | null;
}

let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'confab-jsonl-crash-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** Runs the writer until a random moment after it is ready, SIGKILLs it, returns what it acked. */
async function crashRound(round: number): Promise<Acknowledgement[]> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=confab-source', writerScript, directory, `${round}`],
    {
      cwd: repositoryRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const acknowledged: Acknowledgement[] = [];
  let errorOutput = '';
  let pending = '';
  let killTimer: NodeJS.Timeout | undefined;
  child.stderr.on('data', (chunk: Buffer) => {
    errorOutput += chunk.toString('utf8');
  });
  child.stdout.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (line === 'ready') {
        killTimer = setTimeout(() => child.kill('SIGKILL'), 40 + Math.floor(Math.random() * 260));
        continue;
      }
      const [kind, sessionId, seq, messageId, snapshotId] = line.split(' ');
      if (kind !== 'ack' || !sessionId || !seq || !messageId) throw new Error(`unexpected writer output: ${line}`);
      acknowledged.push({
        sessionId,
        seq: Number(seq),
        messageId,
        snapshotId: snapshotId === '-' ? null : (snapshotId ?? null),
      });
    }
  });
  const signal = await new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('close', (_code, signal) => resolve(signal)),
  );
  clearTimeout(killTimer);
  if (signal !== 'SIGKILL') throw new Error(`the writer exited on its own (round ${round}):\n${errorOutput}`);
  return acknowledged;
}

async function readAll(store: JsonlStore, sessionId: string): Promise<SessionEvent[]> {
  const events: SessionEvent[] = [];
  let after = 0;
  for (;;) {
    const page = await store.readEvents(sessionId, { after, limit: 1000 });
    events.push(...page.events);
    if (page.nextAfter === null) return events;
    after = page.nextAfter;
  }
}

it('loses no acknowledged append across repeated SIGKILLs', async () => {
  const acknowledged: Acknowledgement[] = [];
  const started = Date.now();
  for (let round = 0; round < ROUNDS; round++) {
    if (round >= MINIMUM_ROUNDS && Date.now() - started > ROUNDS_BUDGET_MS) break;
    acknowledged.push(...(await crashRound(round)));
  }
  expect(acknowledged.length).toBeGreaterThan(ROUNDS);

  const warnings: string[] = [];
  const store = new JsonlStore({ directory, logger: { warn: (line) => warnings.push(line) } });
  try {
    expect(await store.schemaVersion()).toBe(1);
    const { sessions } = await store.listSessions({ appId: 'app' });
    expect(sessions.map((session) => session.id).sort()).toEqual(SESSION_IDS);
    for (const sessionId of SESSION_IDS) {
      const events = await readAll(store, sessionId);
      const session = await store.getSession(sessionId);
      expect(events.map((event) => event.seq)).toEqual(Array.from({ length: events.length }, (_, index) => index + 1));
      expect(session?.lastSeq).toBe(events.length);
      const bySeq = new Map(events.map((event) => [event.seq, event]));
      const snapshots = new Set((await store.listSnapshots(sessionId)).map((snapshot) => snapshot.id));
      for (const ack of acknowledged.filter((candidate) => candidate.sessionId === sessionId)) {
        expect(bySeq.get(ack.seq)).toMatchObject({ type: 'message', data: { messageId: ack.messageId } });
        if (ack.snapshotId) expect(snapshots.has(ack.snapshotId)).toBe(true);
      }
    }
    const lastAcknowledged = acknowledged.findLast((candidate) => candidate.snapshotId !== null);
    if (lastAcknowledged?.snapshotId) {
      expect(await store.getSnapshot(lastAcknowledged.snapshotId)).toMatchObject({
        sessionId: lastAcknowledged.sessionId,
      });
    }
    // No read met a torn or corrupt line: crashes only ever leave bytes past the committed end,
    // which loading a session cuts off (with a warning of its own).
    expect(warnings.filter((line) => line.includes('skipped'))).toEqual([]);

    // The next append continues right after the committed head, whatever a crash left behind.
    for (const sessionId of SESSION_IDS) {
      const before = (await store.getSession(sessionId))?.lastSeq ?? 0;
      const { events } = await store.appendEvents({
        sessionId,
        events: [{ type: 'message', turn: 1, data: { messageId: 'after', role: 'assistant', text: 'after' } }],
      });
      expect(events[0]?.seq).toBe(before + 1);
      const all = await readAll(store, sessionId);
      expect(all.map((event) => event.seq)).toEqual(Array.from({ length: before + 1 }, (_, index) => index + 1));
    }
    const leftovers = (await readdir(join(directory, 'sessions'))).filter((name) => name.endsWith('.tmp'));
    expect(leftovers).toEqual([]);
  } finally {
    await store.close();
  }
});
