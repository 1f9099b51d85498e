import { type LifecycleEvent, type NewEvent, newId } from 'confab';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PostgresLifecycleTransport, PostgresStore, type PostgresStoreOptions } from './index.js';
import { LATEST_SCHEMA_VERSION } from './migrations.js';
import { createTestDatabase, randomSchema, type TestDatabase } from './test-fixtures/test-database.js';
import { sleep, waitFor } from './test-fixtures/wait.js';

/*
 * Two PostgresStore instances on one database and schema stand for two processes: they share
 * nothing but the database (each has its own pool and LISTEN connection).
 */

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

/** Two migrated instances on one fresh schema. */
async function twoProcesses(extra: Partial<PostgresStoreOptions> = {}) {
  const options = { connectionString: database.url, schema: randomSchema(), ...extra };
  const first = new PostgresStore(options);
  const second = new PostgresStore(options);
  closers.push(
    () => first.close(),
    () => second.close(),
  );
  await first.migrate();
  return { first, second, options };
}

const message = (text: string): NewEvent => ({
  type: 'message',
  turn: 1,
  data: { messageId: text, role: 'assistant', text },
});

describe('PostgresStore across processes', () => {
  it('migrations from several instances at once run once', async () => {
    const options = { connectionString: database.url, schema: randomSchema() };
    const stores = Array.from({ length: 4 }, () => new PostgresStore(options));
    closers.push(...stores.map((store) => () => store.close()));
    const results = await Promise.all(stores.map((store) => store.migrate()));
    expect(results).toEqual(stores.map(() => ({ version: LATEST_SCHEMA_VERSION })));
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const recorded = await client.query(`SELECT count(*)::int AS count FROM ${options.schema}.schema_migrations`);
      expect(recorded.rows).toEqual([{ count: LATEST_SCHEMA_VERSION }]);
    } finally {
      await client.end();
    }
  });

  it("an append through one instance reaches the other's onAppend, and its own once", async () => {
    const { first, second } = await twoProcesses();
    const heardBySecond: [string, number][] = [];
    const heardByFirst: [string, number][] = [];
    second.onAppend((sessionId, lastSeq) => heardBySecond.push([sessionId, lastSeq]));
    first.onAppend((sessionId, lastSeq) => heardByFirst.push([sessionId, lastSeq]));
    await Promise.all([first.listening(), second.listening()]);
    const { session } = await first.createSession({ appId: 'app' });
    await first.appendEvents({ sessionId: session.id, events: [message('a'), message('b')] });
    await waitFor('the notification', () => heardBySecond.length > 0);
    expect(heardBySecond).toEqual([[session.id, 2]]);
    await sleep(100);
    // The first instance told its listener at commit and ignores the echo of its own NOTIFY.
    expect(heardByFirst).toEqual([[session.id, 2]]);
  });

  it('stores on other schemas of the same database do not hear each other', async () => {
    const { first } = await twoProcesses();
    const other = new PostgresStore({ connectionString: database.url, schema: randomSchema() });
    closers.push(() => other.close());
    const heard: string[] = [];
    other.onAppend((sessionId) => heard.push(sessionId));
    await other.listening();
    const { session } = await first.createSession({ appId: 'app' });
    await first.appendEvents({ sessionId: session.id, events: [message('a')] });
    await sleep(150);
    expect(heard).toEqual([]);
  });

  it('lifecycle events published on one side are received on the other, small and large', async () => {
    const { first, options } = await twoProcesses();
    const publisher = first.lifecycleTransport();
    expect(first.lifecycleTransport()).toBe(publisher);
    const subscriber = new PostgresLifecycleTransport(options);
    closers.push(() => subscriber.close());
    const received: LifecycleEvent[] = [];
    subscriber.subscribe((event) => received.push(event));
    await subscriber.ready();
    const event = (data: LifecycleEvent['data']): LifecycleEvent => ({
      id: newId('evt'),
      type: 'session.updated',
      sessionId: 'ses_1',
      clientSessionId: null,
      appId: 'app',
      at: new Date().toISOString(),
      data,
    });
    const small = event({ title: 'hello' });
    const large = event({ blob: 'x'.repeat(20_000) });
    await publisher.publish(small);
    await publisher.publish(large);
    await waitFor('both events', () => received.length === 2);
    expect(received.find((entry) => entry.id === small.id)).toEqual(small);
    expect(received.find((entry) => entry.id === large.id)).toEqual(large);
  });

  it('stop requests reach every instance', async () => {
    const { first, second } = await twoProcesses();
    const stops: string[] = [];
    second.onStopRequest((sessionId) => stops.push(sessionId));
    await second.listening();
    await first.requestStop('ses_busy');
    await waitFor('the stop request', () => stops.length > 0);
    expect(stops).toEqual(['ses_busy']);
  });

  it('leases fence writers in different instances', async () => {
    const { first, second } = await twoProcesses();
    const { session } = await first.createSession({ appId: 'app' });
    const racing = await Promise.all([
      first.acquireLease(session.id, 'process-a', 300),
      second.acquireLease(session.id, 'process-b', 300),
    ]);
    const winners = racing.filter((lease) => lease !== null);
    expect(winners).toHaveLength(1);
    const stale = winners[0];
    if (!stale) throw new Error('one lease expected');
    const staleWriter = stale.owner === 'process-a' ? first : second;
    const otherWriter = stale.owner === 'process-a' ? second : first;
    await expect(otherWriter.appendEvents({ sessionId: session.id, events: [message('x')] })).rejects.toMatchObject({
      code: 'conflict',
    });
    await sleep(400);
    const fresh = await otherWriter.acquireLease(session.id, 'process-c', 60_000);
    expect(fresh?.token).toBeGreaterThan(stale.token);
    await expect(
      staleWriter.appendEvents({ sessionId: session.id, lease: stale, events: [message('late')] }),
    ).rejects.toMatchObject({ code: 'conflict' });
    await expect(staleWriter.renewLease(stale, 60_000)).rejects.toMatchObject({ code: 'conflict' });
    if (!fresh) return;
    const appended = await otherWriter.appendEvents({ sessionId: session.id, lease: fresh, events: [message('ok')] });
    expect(appended.events.map((event) => event.seq)).toEqual([1]);
  });

  it('appenders in two instances share one contiguous log', async () => {
    const { first, second } = await twoProcesses({ poolSize: 4 });
    const { session } = await first.createSession({ appId: 'app' });
    const lease = await first.acquireLease(session.id, 'shared', 60_000);
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        (index % 2 ? first : second).appendEvents({
          sessionId: session.id,
          lease,
          events: Array.from({ length: 1 + (index % 3) }, (_, event) => message(`${index}.${event}`)),
        }),
      ),
    );
    const seqs = results.flatMap((result) => result.events.map((event) => event.seq)).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, index) => index + 1));
    expect((await second.getSession(session.id))?.lastSeq).toBe(seqs.length);
  });

  it('each queued input is claimed by exactly one instance', async () => {
    const { first, second } = await twoProcesses();
    const { session } = await first.createSession({ appId: 'app' });
    for (let index = 0; index < 60; index++) await first.enqueueInput(session.id, { text: `i${index}` });
    const claims = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        (index % 2 ? first : second).claimInputs(session.id, { max: 7, claimToken: `claimer-${index}` }),
      ),
    );
    const ids = claims.flat().map((input) => input.id);
    expect(new Set(ids).size).toBe(ids.length);
    const rest = await second.claimInputs(session.id, { max: 100, claimToken: 'rest' });
    expect(ids.length + rest.length).toBe(60);
  });
});
