import { describe, expect, it } from 'vitest';
import type { DeltaEvent } from '../model/event.js';
import { MemoryStore } from '../store/memory/memory-store.js';
import { type SubscriptionSource, subscribeToSession } from './session-subscription.js';
import type { StreamEvent } from './turn-writer.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('subscribeToSession', () => {
  it('delivers each live delta once, without a store read per delta', async () => {
    const store = new MemoryStore();
    const { session } = await store.createSession({ appId: 'app' });
    let reads = 0;
    const readEvents = store.readEvents.bind(store);
    store.readEvents = (sessionId, query) => {
      reads++;
      return readEvents(sessionId, query);
    };
    const live: DeltaEvent[] = [];
    const source: SubscriptionSource = {
      store,
      sessionId: session.id,
      pollIntervalMs: 60_000,
      listeners: new Set(),
      liveDeltas: () => live,
    };
    const controller = new AbortController();
    const seen: StreamEvent[] = [];
    const reading = (async () => {
      for await (const event of subscribeToSession(source, { seq: 0 }, controller.signal)) seen.push(event);
    })();
    await tick();
    const readsAtStart = reads;
    for (let sub = 1; sub <= 200; sub++) {
      live.push({
        seq: 0,
        sub,
        sessionId: session.id,
        turn: 1,
        type: 'text-delta',
        at: new Date().toISOString(),
        data: { messageId: 'm', delta: `${sub} ` },
      });
      for (const listener of source.listeners) listener(false);
      if (sub % 50 === 0) await tick();
    }
    await tick();
    controller.abort();
    await reading;
    expect(seen.map((event) => ('sub' in event ? event.sub : -1))).toEqual(
      Array.from({ length: 200 }, (_, i) => i + 1),
    );
    // Deltas live in the runner, not the store: none of the 200 made the subscription read it.
    expect(reads - readsAtStart).toBe(0);
  });
});
