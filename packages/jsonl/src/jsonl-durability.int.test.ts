import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NewEvent, SessionEvent } from 'confab';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JsonlStore } from './index.js';
import { safeName } from './store-layout.js';

let directory: string;
let warnings: string[];
const stores: JsonlStore[] = [];

function openStore(options: { fsync?: boolean } = {}): JsonlStore {
  const store = new JsonlStore({ directory, fsync: options.fsync, logger: { warn: (line) => warnings.push(line) } });
  stores.push(store);
  return store;
}

function messages(count: number, prefix = 'm', turn = 1): NewEvent[] {
  return Array.from({ length: count }, (_, index) => ({
    type: 'message' as const,
    turn,
    data: { messageId: `${prefix}${index}`, role: 'assistant' as const, text: `${prefix} ${index}` },
  }));
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

const eventsFile = (sessionId: string) => join(directory, 'sessions', `${safeName(sessionId)}.jsonl`);
const metaFile = (sessionId: string) => join(directory, 'sessions', `${safeName(sessionId)}.meta.json`);
const seqsOf = (events: SessionEvent[]) => events.map((event) => event.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'confab-jsonl-durability-'));
  warnings = [];
});

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  await rm(directory, { recursive: true, force: true });
});

describe('JsonlStore on disk', () => {
  it('skips a torn last line with a warning and appends on a fresh line after it', async () => {
    const first = openStore();
    const { session } = await first.createSession({ appId: 'app' });
    await first.appendEvents({ sessionId: session.id, events: messages(3) });
    await first.close();
    await appendFile(eventsFile(session.id), '{"seq":4,"sessionId":"x","tu');

    const store = openStore();
    expect(seqsOf(await readAll(store, session.id))).toEqual([1, 2, 3]);
    const { events } = await store.appendEvents({ sessionId: session.id, events: messages(1, 'after') });
    expect(seqsOf(events)).toEqual([4]);
    expect(warnings.some((line) => line.includes('torn'))).toBe(true);
    const all = await readAll(store, session.id);
    expect(seqsOf(all)).toEqual([1, 2, 3, 4]);
    expect(all[3]).toMatchObject({ type: 'message', data: { messageId: 'after0' } });
    const lines = (await readFile(eventsFile(session.id), 'utf8')).trimEnd().split('\n');
    expect(lines.map((line) => JSON.parse(line).seq)).toEqual([1, 2, 3, 4]);
  });

  it('skips a corrupt line in the middle with a warning, and keeps the first line of a repeated seq', async () => {
    const first = openStore();
    const { session } = await first.createSession({ appId: 'app' });
    await first.appendEvents({ sessionId: session.id, events: messages(3) });
    await first.close();
    const lines = (await readFile(eventsFile(session.id), 'utf8')).trimEnd().split('\n');
    const duplicate = lines[1]?.replace('m 1', 'impostor');
    await writeFile(eventsFile(session.id), `${[lines[0], 'garbage{', lines[1], duplicate, lines[2]].join('\n')}\n`);

    const store = openStore();
    const events = await readAll(store, session.id);
    expect(seqsOf(events)).toEqual([1, 2, 3]);
    expect(events[1]).toMatchObject({ data: { text: 'm 1' } });
    expect(warnings.some((line) => line.includes('corrupt line'))).toBe(true);
    expect(await store.compactFile(session.id)).toEqual({ keptLines: 3, droppedLines: 2 });
    expect(seqsOf(await readAll(store, session.id))).toEqual([1, 2, 3]);
  });

  it('ignores events past the committed seq (a crash before the meta) and cuts them off', async () => {
    const first = openStore();
    const { session } = await first.createSession({ appId: 'app' });
    await first.appendEvents({ sessionId: session.id, events: messages(2) });
    await first.close();
    const stale = { seq: 3, sessionId: session.id, turn: 1, type: 'message', at: new Date().toISOString(), data: {} };
    await appendFile(eventsFile(session.id), `${JSON.stringify(stale)}\n`);

    const store = openStore();
    expect((await store.getSession(session.id))?.lastSeq).toBe(2);
    expect(seqsOf(await readAll(store, session.id))).toEqual([1, 2]);
    await store.appendEvents({ sessionId: session.id, events: messages(1, 'fresh') });
    const events = await readAll(store, session.id);
    expect(seqsOf(events)).toEqual([1, 2, 3]);
    expect(events[2]).toMatchObject({ data: { messageId: 'fresh0' } });
  });

  it('keeps seqs contiguous under 50 concurrent appends, also after a reopen', async () => {
    const store = openStore();
    const { session } = await store.createSession({ appId: 'app' });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        store.appendEvents({ sessionId: session.id, events: messages(1 + (index % 3), `w${index}-`) }),
      ),
    );
    const written = results.flatMap((result) => seqsOf(result.events)).sort((a, b) => a - b);
    expect(written).toEqual(range(1, written.length));
    await store.close();

    const reopened = openStore();
    expect(seqsOf(await readAll(reopened, session.id))).toEqual(written);
    expect((await reopened.getSession(session.id))?.lastSeq).toBe(written.length);
  });

  it('finds everything again after a reopen', async () => {
    const store = openStore();
    await store.migrate();
    await store.createApp({ id: 'app', name: 'App' });
    await store.createToken({ id: 'tok', appId: 'app', tokenHash: 'hash' });
    const { session } = await store.createSession({ appId: 'app', clientSessionId: 'client-1', channel: 'room' });
    const lease = await store.acquireLease(session.id, 'runner', 60_000);
    const { input } = await store.enqueueInput(session.id, { text: 'hello', idempotencyKey: 'key-1' });
    await store.enqueueInput(session.id, { text: 'later' });
    await store.claimInputs(session.id, { max: 1, claimToken: 'turn-1' });
    await store.appendEvents({
      sessionId: session.id,
      lease,
      events: [{ type: 'input', turn: 1, data: { inputId: input.id, text: 'hello' } }, ...messages(2)],
      consumeInputIds: [input.id],
      update: { state: { mood: 'good' }, turnCount: 1 },
      snapshot: { id: 'snap-1' },
    });
    const fork = await store.forkSession({ sessionId: session.id, appId: 'app', snapshotId: 'snap-1' });
    await store.putFile({
      token: 'file-1',
      appId: 'app',
      mediaType: 'text/plain',
      data: new TextEncoder().encode('bytes'),
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    });
    await store.close();

    const reopened = openStore();
    expect(await reopened.schemaVersion()).toBe(1);
    expect((await reopened.createSession({ appId: 'app', clientSessionId: 'client-1' })).created).toBe(false);
    expect((await reopened.resolveChannel('app', 'room')).session.id).toBe(session.id);
    expect((await reopened.getSession(session.id))?.state).toEqual({ mood: 'good' });
    expect(await reopened.getInput(session.id, input.id)).toMatchObject({ status: 'consumed', consumedSeq: 1 });
    expect((await reopened.enqueueInput(session.id, { text: 'again', idempotencyKey: 'key-1' })).created).toBe(false);
    expect(await reopened.countPendingInputs(session.id)).toBe(1);
    expect(await reopened.acquireLease(session.id, 'other', 1000)).toBeNull();
    expect(await reopened.getLease(session.id)).toEqual(lease);
    expect(await reopened.getSnapshot('snap-1')).toMatchObject({
      sessionId: session.id,
      seq: 3,
      state: { mood: 'good' },
    });
    expect((await reopened.listSnapshots(session.id)).map((snapshot) => snapshot.id)).toEqual(['snap-1']);
    expect(seqsOf(await readAll(reopened, fork.id))).toEqual([1, 2, 3]);
    expect(await reopened.findToken('hash')).toMatchObject({ id: 'tok' });
    expect(await reopened.getApp('app')).toMatchObject({ name: 'App' });
    const file = await reopened.getFile('app', 'file-1');
    expect(new TextDecoder().decode(file?.data)).toBe('bytes');
  });

  it('keeps a fork readable when its parent is hard-deleted, also after a reopen', async () => {
    const store = openStore();
    const { session: root } = await store.createSession({ appId: 'app' });
    await store.appendEvents({ sessionId: root.id, events: messages(3, 'root') });
    const middle = await store.forkSession({ sessionId: root.id, appId: 'app' });
    await store.appendEvents({ sessionId: middle.id, events: messages(2, 'middle') });
    const leaf = await store.forkSession({ sessionId: middle.id, appId: 'app' });
    await store.appendEvents({ sessionId: leaf.id, events: messages(1, 'leaf') });
    const before = await readAll(store, leaf.id);

    expect(await store.deleteSession(middle.id)).toBe(true);
    expect(await readAll(store, leaf.id)).toEqual(before);
    expect(await store.deleteSession(root.id)).toBe(true);
    expect(await readAll(store, leaf.id)).toEqual(before);
    await store.close();

    const reopened = openStore();
    expect(await readAll(reopened, leaf.id)).toEqual(before);
    const names = await readdir(join(directory, 'sessions'));
    expect(names.filter((name) => name.startsWith(safeName(root.id)))).toEqual([]);
  });

  it('replaces the meta atomically and removes temporary files a crash left', async () => {
    const store = openStore();
    const { session } = await store.createSession({ appId: 'app', title: 'first' });
    for (let index = 0; index < 20; index++) await store.updateSession(session.id, { title: `title ${index}` });
    await store.close();
    const meta = JSON.parse(await readFile(metaFile(session.id), 'utf8'));
    expect(meta.record.title).toBe('title 19');
    const leftover = join(directory, 'sessions', `.${safeName(session.id)}.meta.json.dead.tmp`);
    await writeFile(leftover, '{"format":1,"rec');

    const reopened = openStore();
    expect((await reopened.getSession(session.id))?.title).toBe('title 19');
    const names = await readdir(join(directory, 'sessions'));
    expect(names.some((name) => name.endsWith('.tmp'))).toBe(false);
  });

  it('pages a long log from either end and loads a compacted context from its tail', async () => {
    const store = openStore({ fsync: false });
    const { session } = await store.createSession({ appId: 'app' });
    for (let batch = 0; batch < 30; batch++) {
      await store.appendEvents({ sessionId: session.id, events: messages(100, `b${batch}-`) });
    }
    await store.appendEvents({
      sessionId: session.id,
      events: [{ type: 'compaction', turn: 1, data: { summary: 'so far', throughSeq: 2990 } }, ...messages(5, 'tail')],
    });
    await store.close();

    const reopened = openStore();
    expect(seqsOf((await reopened.readEvents(session.id, { after: 2990, limit: 3 })).events)).toEqual([
      2991, 2992, 2993,
    ]);
    expect(seqsOf((await reopened.readEvents(session.id, { after: 10, limit: 2 })).events)).toEqual([11, 12]);
    expect(seqsOf((await reopened.readEvents(session.id, { after: 1500, limit: 2 })).events)).toEqual([1501, 1502]);
    const context = await reopened.readContext(session.id);
    expect(context.compaction).toMatchObject({ seq: 3001, data: { summary: 'so far' } });
    expect(seqsOf(context.events)).toEqual(range(2991, 3006));
    expect(warnings).toEqual([]);
  });

  it('finishes in-flight calls on close and refuses later ones as unavailable', async () => {
    const store = openStore();
    const { session } = await store.createSession({ appId: 'app' });
    const pending = Array.from({ length: 10 }, () =>
      store.appendEvents({ sessionId: session.id, events: messages(1) }),
    );
    await store.close();
    await expect(Promise.all(pending)).resolves.toHaveLength(10);
    await expect(store.getSession(session.id)).rejects.toMatchObject({ code: 'unavailable' });
    await expect(store.readEvents(session.id)).rejects.toMatchObject({ code: 'unavailable' });
    await store.close();
    expect(seqsOf(await readAll(openStore(), session.id))).toEqual(range(1, 10));
  });
});

describe('the directory lock', () => {
  it('keeps a second instance out while the first is open, and takes over after a crash', async () => {
    const first = openStore();
    await first.createSession({ appId: 'app' });
    await expect(openStore().listApps()).rejects.toMatchObject({ code: 'failed_precondition' });
    await first.close();
    const second = openStore();
    expect((await second.listSessions({ appId: 'app' })).sessions).toHaveLength(1);
    await second.close();
    // A lock left by a process that no longer exists (pids never reach 2^22 + 1 on Linux).
    await writeFile(join(directory, 'store.lock'), JSON.stringify({ pid: 2 ** 22 + 1 }));
    expect((await openStore().listSessions({ appId: 'app' })).sessions).toHaveLength(1);
  });
});

describe('safeName', () => {
  it('is filesystem-safe, distinct for ids differing in case, and bounded in length', () => {
    expect(safeName('ses_3f9c')).toBe('ses_3f9c');
    expect(safeName('Ab')).not.toBe(safeName('aB'));
    expect(safeName('../etc/passwd')).not.toMatch(/[./]/);
    expect(safeName('')).toBe('~');
    const long = safeName('x'.repeat(1000));
    expect(long.length).toBeLessThanOrEqual(120);
    expect(long).not.toBe(safeName(`${'x'.repeat(999)}y`));
  });
});
