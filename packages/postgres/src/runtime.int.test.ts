import { LifecycleBus, type LifecycleEvent, Pool, type StreamEvent } from 'confab';
import type { SessionStore } from 'confab/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore } from './index.js';
import { createTestDatabase, randomSchema, type TestDatabase } from './test-fixtures/test-database.js';
import { sleep, waitFor } from './test-fixtures/wait.js';

/*
 * The runtime on PostgreSQL with two pools standing for two server processes: each has its own
 * store instance (pool, LISTEN connection) on one schema, and a lifecycle bus over the store's
 * transport.
 */

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

/** Two pools on one schema; `wrapFirst` wraps the store the first pool uses. */
async function twoServers(wrapFirst: (store: SessionStore) => SessionStore = (store) => store) {
  const options = { connectionString: database.url, schema: randomSchema() };
  const servers = [new PostgresStore(options), new PostgresStore(options)].map((store, index) => ({
    store,
    pool: new Pool({
      store: index === 0 ? wrapFirst(store) : store,
      appId: 'app',
      defaultModel: 'echo',
      bus: new LifecycleBus(store.lifecycleTransport()),
    }),
  }));
  await servers[0]?.store.migrate();
  await Promise.all(servers.map(({ store }) => store.listening()));
  const close = async () => {
    for (const { pool, store } of servers) {
      await pool.close();
      pool.bus.close();
      await store.close();
    }
  };
  return { servers: servers as [(typeof servers)[number], (typeof servers)[number]], close };
}

describe('the runtime on PostgreSQL', () => {
  it('streams a turn run by one process to a reader in another, with lifecycle events', async () => {
    const { servers, close } = await twoServers();
    const [writer, reader] = servers;
    try {
      const lifecycle: LifecycleEvent[] = [];
      reader.pool.bus.subscribe((event) => lifecycle.push(event));
      const { session } = await writer.pool.createSession(null);
      const controller = new AbortController();
      const seen: StreamEvent[] = [];
      const stream = await reader.pool.subscribe(session.id, { seq: 0 }, controller.signal);
      const reading = (async () => {
        for await (const event of stream) {
          seen.push(event);
          if (event.type === 'turn-end') controller.abort();
        }
      })();
      const handle = await writer.pool.chat(session.id, 'hello there');
      const result = await handle.result;
      expect(result.stopReason).toBe('stop');
      await reading;
      const message = seen.find((event) => event.type === 'message');
      expect(message?.type === 'message' && message.data.text).toBe('echo: hello there');
      await waitFor('turn.ended from the other process', () => lifecycle.some((e) => e.type === 'turn.ended'));
    } finally {
      await close();
    }
  });

  it('stops a turn running in another process', async () => {
    const { servers, close } = await twoServers();
    const [runner, stopper] = servers;
    try {
      const { session } = await runner.pool.createSession(null);
      const handle = await runner.pool.chat(session.id, '/sleep 20000 never finishes');
      while (!(await stopper.store.getLease(session.id))) await sleep(10);
      expect(await stopper.pool.stop(session.id)).toBe(true);
      const result = await handle.result;
      expect(result.stopReason).toBe('aborted');
    } finally {
      await close();
    }
  });

  it('answers false to a stop from another process that lands after the model answered', async () => {
    // The running process holds its turn-end append until the stop request has reached its runner.
    let reached!: () => void;
    let release!: () => void;
    const turnEndHeld = new Promise<void>((resolve) => (reached = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    const holdTurnEnd = (store: SessionStore) =>
      new Proxy(store, {
        get(target, property) {
          const value = Reflect.get(target, property, target);
          if (typeof value !== 'function') return value;
          const bound = value.bind(target);
          if (property !== 'appendEvents' && property !== 'appendFolded') return bound;
          return async (request: { events: Array<{ type: string }> }) => {
            if (request.events.some((event) => event.type === 'turn-end')) {
              reached();
              await released;
            }
            return bound(request);
          };
        },
      });
    const { servers, close } = await twoServers(holdTurnEnd);
    const [runner, stopper] = servers;
    try {
      // Registered after the runner's own listener, so it runs once the runner has applied the stop.
      runner.store.onStopRequest(() => setImmediate(release));
      const { session } = await runner.pool.createSession(null);
      const handle = await runner.pool.chat(session.id, 'finished already');
      await turnEndHeld;
      expect(await stopper.pool.stop(session.id)).toBe(false);
      expect((await handle.result).stopReason).toBe('stop');
    } finally {
      release();
      await close();
    }
  });
});
