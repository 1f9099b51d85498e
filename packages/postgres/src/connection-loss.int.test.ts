import { ConfabError, type SessionEvent } from 'confab';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore } from './index.js';
import { createTestDatabase, randomSchema, type TestDatabase } from './test-fixtures/test-database.js';
import { sleep, waitFor } from './test-fixtures/wait.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** A migrated store on a fresh schema, and that schema. */
async function migratedStore(options: { statementTimeoutMs?: number } = {}) {
  const schema = randomSchema();
  const store = new PostgresStore({ connectionString: database.url, schema, ...options });
  closers.push(() => store.close());
  await store.migrate();
  return { store, schema };
}

/** Every event of a session, oldest first. */
async function readAll(store: PostgresStore, sessionId: string): Promise<SessionEvent[]> {
  const events: SessionEvent[] = [];
  let after = 0;
  for (;;) {
    const page = await store.readEvents(sessionId, { after, limit: 1000 });
    events.push(...page.events);
    if (page.nextAfter === null) return events;
    after = page.nextAfter;
  }
}

describe('PostgresStore when the database drops its connections', () => {
  it('fails calls under way with unavailable, loses nothing acknowledged, and recovers by itself', async () => {
    const { store, schema } = await migratedStore();
    const { session } = await store.createSession({ appId: 'app' });
    const observer = new PostgresStore({ connectionString: database.url, schema });
    closers.push(() => observer.close());
    const heard = new Set<string>();
    observer.onAppend((sessionId) => heard.add(sessionId));
    await observer.listening();

    const acknowledged: string[] = [];
    const failures: unknown[] = [];
    let running = true;
    const writer = async (name: string) => {
      for (let index = 0; running; index++) {
        const text = `${name}-${index}`;
        try {
          await store.appendEvents({
            sessionId: session.id,
            events: [{ type: 'message', turn: 1, data: { messageId: text, role: 'assistant', text } }],
          });
          acknowledged.push(text);
        } catch (error) {
          failures.push(error);
        }
      }
    };
    const writers = Array.from({ length: 12 }, (_, index) => writer(`w${index}`));
    await waitFor('some appends', () => acknowledged.length >= 20);
    const killed = await database.terminateConnections();
    expect(killed).toBeGreaterThan(0);
    await sleep(150);
    running = false;
    await Promise.all(writers);

    // Every failure is `unavailable`; nothing acknowledged went missing; seqs have no gap.
    for (const failure of failures) expect(ConfabError.isInstance(failure, 'unavailable')).toBe(true);
    const stored = await readAll(store, session.id);
    const texts = new Set(stored.map((event) => (event.type === 'message' ? event.data.text : '')));
    for (const text of acknowledged) expect(texts.has(text)).toBe(true);
    expect(stored.map((event) => event.seq)).toEqual(stored.map((_, index) => index + 1));

    // The same store keeps working, and the observer's LISTEN connection came back.
    const after = await store.createSession({ appId: 'app' });
    await store.appendEvents({
      sessionId: after.session.id,
      events: [{ type: 'error', turn: 0, data: { code: 'x', message: 'y' } }],
    });
    await waitFor('the notification after reconnecting', () => heard.has(after.session.id), 10_000);
  });

  it('turns a statement that outlives statementTimeoutMs into unavailable', async () => {
    const { store, schema } = await migratedStore({ statementTimeoutMs: 300 });
    const { session } = await store.createSession({ appId: 'app' });
    const blocker = new pg.Client({ connectionString: database.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(`SELECT 1 FROM ${schema}.sessions WHERE id = $1 FOR UPDATE`, [session.id]);
      const started = Date.now();
      await expect(
        store.appendEvents({
          sessionId: session.id,
          events: [{ type: 'error', turn: 0, data: { code: 'x', message: 'y' } }],
        }),
      ).rejects.toMatchObject({ code: 'unavailable', details: { reason: 'statement_timeout' } });
      expect(Date.now() - started).toBeLessThan(5_000);
      await blocker.query('ROLLBACK');
      const result = await store.appendEvents({
        sessionId: session.id,
        events: [{ type: 'error', turn: 0, data: { code: 'x', message: 'y' } }],
      });
      expect(result.session.lastSeq).toBe(1);
    } finally {
      await blocker.end();
    }
  });

  it('a closed store refuses work with unavailable and its listener stops', async () => {
    const { store } = await migratedStore();
    store.onAppend(() => undefined);
    await store.listening();
    await store.close();
    await expect(store.listening()).rejects.toMatchObject({ code: 'unavailable' });
    await expect(store.appendEvents({ sessionId: 'ses_x', events: [] })).rejects.toMatchObject({ code: 'unavailable' });
    await store.close();
  });
});
