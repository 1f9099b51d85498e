import { ConfabError, type NewEvent } from 'confab';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from './index.js';
import { temporaryDatabase } from './test-fixtures/temporary-database.js';

const message = (text: string): NewEvent => ({
  type: 'message',
  turn: 1,
  data: { messageId: text, role: 'assistant', text },
});

describe('group commit', () => {
  let database: ReturnType<typeof temporaryDatabase>;
  let store: SqliteStore;

  beforeEach(async () => {
    database = temporaryDatabase();
    store = new SqliteStore({ filename: database.filename });
    await store.migrate();
  });

  afterEach(async () => {
    await store.close();
    database.remove();
  });

  it('appends of 64 sessions issued together share one commit', async () => {
    const sessions = await Promise.all(
      Array.from({ length: 64 }, async () => (await store.createSession({ appId: 'app' })).session),
    );
    const before = store.stats;
    const results = await Promise.all(
      sessions.map((session) => store.appendEvents({ sessionId: session.id, events: [message(session.id)] })),
    );
    const after = store.stats;
    expect(results.every((result) => result.events[0]?.seq === 1)).toBe(true);
    expect(after.writes - before.writes).toBe(64);
    expect(after.commits - before.commits).toBeLessThan(64);
    expect(after.commits - before.commits).toBe(1);
    expect(after.largestBatch).toBeGreaterThanOrEqual(64);
  });

  it('keeps concurrent appenders fast: many rounds of 64 appenders need one commit per round', async () => {
    const sessions = await Promise.all(
      Array.from({ length: 64 }, async () => (await store.createSession({ appId: 'app' })).session),
    );
    const before = store.stats.commits;
    await Promise.all(
      sessions.map(async (session) => {
        for (let round = 0; round < 10; round++) {
          await store.appendEvents({ sessionId: session.id, events: [message(`${round}`)] });
        }
      }),
    );
    expect(store.stats.commits - before).toBeLessThanOrEqual(10);
    for (const session of sessions) expect((await store.getSession(session.id))?.lastSeq).toBe(10);
  });

  it('a failing write rolls back alone and rejects only its own promise', async () => {
    const [first, failing, third] = await Promise.all(
      [0, 1, 2].map(async () => (await store.createSession({ appId: 'app' })).session),
    );
    if (!first || !failing || !third) throw new Error('sessions expected');
    await store.appendEvents({ sessionId: failing.id, events: [message('existing')] });
    const commitsBefore = store.stats.commits;
    const outcomes = await Promise.allSettled([
      store.appendEvents({ sessionId: first.id, events: [message('a')] }),
      store.appendEvents({
        sessionId: failing.id,
        events: [message('b'), message('c')],
        update: { title: 'must not stick' },
        expectedLastSeq: 0,
      }),
      store.appendEvents({ sessionId: 'ses_missing', events: [message('x')] }),
      store.appendEvents({ sessionId: third.id, events: [message('d')] }),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    const reasons = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
    expect(reasons.map((reason) => ConfabError.isInstance(reason) && reason.code)).toEqual(['conflict', 'not_found']);
    expect(store.stats.commits - commitsBefore).toBe(1);
    const unchanged = await store.getSession(failing.id);
    expect(unchanged).toMatchObject({ lastSeq: 1, title: null });
    expect((await store.readEvents(failing.id)).events).toHaveLength(1);
    expect((await store.getSession(third.id))?.lastSeq).toBe(1);
  });

  it('acknowledges an append only once another connection can read it', async () => {
    const { session } = await store.createSession({ appId: 'app' });
    const observer = new SqliteStore({ filename: database.filename });
    try {
      const seen = await store
        .appendEvents({ sessionId: session.id, events: [message('durable')] })
        .then(() => observer.readEvents(session.id));
      expect(seen.events.map((event) => event.seq)).toEqual([1]);
    } finally {
      await observer.close();
    }
  });

  it('writes issued before close() are committed, later calls fail with unavailable', async () => {
    const { session } = await store.createSession({ appId: 'app' });
    const pending = Array.from({ length: 5 }, (_, index) =>
      store.appendEvents({ sessionId: session.id, events: [message(`late ${index}`)] }),
    );
    await store.close();
    const results = await Promise.all(pending);
    expect(results.map((result) => result.events[0]?.seq)).toEqual([1, 2, 3, 4, 5]);
    await expect(store.appendEvents({ sessionId: session.id, events: [message('x')] })).rejects.toMatchObject({
      code: 'unavailable',
    });
    await expect(store.readEvents(session.id)).rejects.toMatchObject({ code: 'unavailable' });
    await expect(store.schemaVersion()).rejects.toMatchObject({ code: 'unavailable' });
    await store.close();
    store = new SqliteStore({ filename: database.filename });
    expect((await store.readEvents(session.id)).events).toHaveLength(5);
  });

  it('tells onAppend listeners about committed appends only', async () => {
    const { session } = await store.createSession({ appId: 'app' });
    const heard: Array<[string, number]> = [];
    const unsubscribe = store.onAppend((sessionId, lastSeq) => heard.push([sessionId, lastSeq]));
    await store.appendEvents({ sessionId: session.id, events: [message('a'), message('b')] });
    await store.appendEvents({ sessionId: session.id, events: [message('c')], expectedLastSeq: 0 }).catch(() => {});
    unsubscribe();
    await store.appendEvents({ sessionId: session.id, events: [message('d')] });
    expect(heard).toEqual([[session.id, 2]]);
  });

  it('copies arguments at call time, so a caller mutating them later changes nothing', async () => {
    const { session } = await store.createSession({ appId: 'app' });
    const event = message('original');
    const pending = store.appendEvents({ sessionId: session.id, events: [event] });
    if (event.type === 'message') event.data.text = 'mutated';
    await pending;
    const [stored] = (await store.readEvents(session.id)).events;
    expect(stored?.type === 'message' && stored.data.text).toBe('original');
  });
});
