import { describe, expect, it } from 'vitest';
import type { ConfabError } from '../errors.js';
import type { Lease } from '../model/records.js';
import { MemoryStore } from '../store/memory/memory-store.js';
import { LeaseKeeper } from './lease-keeper.js';
import { LeaseRenewer } from './lease-renewer.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A real MemoryStore whose `renewLeases`/`renewLease` calls are counted. */
function countingStore() {
  const store = new MemoryStore();
  const calls = { batches: [] as number[], single: 0 };
  const renewLeases = store.renewLeases.bind(store);
  store.renewLeases = (leases, ttlMs) => {
    calls.batches.push(leases.length);
    return renewLeases(leases, ttlMs);
  };
  const renewLease = store.renewLease.bind(store);
  store.renewLease = (lease, ttlMs) => {
    calls.single++;
    return renewLease(lease, ttlMs);
  };
  return { store, calls };
}

async function leased(store: MemoryStore, count: number, ttlMs: number): Promise<Lease[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const { session } = await store.createSession({ appId: 'app' });
      const lease = await store.acquireLease(session.id, 'process-a', ttlMs);
      if (!lease) throw new Error('lease expected');
      return lease;
    }),
  );
}

describe('LeaseRenewer', () => {
  it('keeps many leases alive past their time to live with one store call per tick', async () => {
    const { store, calls } = countingStore();
    const renewer = new LeaseRenewer(store, 300);
    const lost: ConfabError[] = [];
    const keepers = (await leased(store, 20, 300)).map(
      (lease) => new LeaseKeeper(store, lease, 300, (reason) => lost.push(reason), renewer),
    );
    await sleep(750);
    expect(lost).toEqual([]);
    expect(calls.single).toBe(0);
    // Ticks every 100 ms: each call renewed all twenty leases, never one call per lease.
    expect(calls.batches.length).toBeGreaterThanOrEqual(3);
    expect(calls.batches.every((size) => size === 20)).toBe(true);
    for (const keeper of keepers) {
      expect(await store.getLease(keeper.lease.sessionId)).toEqual(keeper.lease);
      // Another process cannot take a lease the renewer keeps alive.
      expect(await store.acquireLease(keeper.lease.sessionId, 'process-b', 60_000)).toBeNull();
    }
    await Promise.all(keepers.map((keeper) => keeper.release()));
    expect(renewer.size).toBe(0);
    for (const keeper of keepers) expect(await store.getLease(keeper.lease.sessionId)).toBeNull();
  });

  it('reports a lost lease to its holder only; the others stay renewed and the stale token stays fenced', async () => {
    const { store } = countingStore();
    const renewer = new LeaseRenewer(store, 300);
    const [first, second] = await leased(store, 2, 300);
    if (!first || !second) throw new Error('leases expected');
    const lost: string[] = [];
    const keepers = [first, second].map(
      (lease) => new LeaseKeeper(store, lease, 300, () => lost.push(lease.sessionId), renewer),
    );
    // Another process takes the first session over: its holder's lease is gone.
    await store.releaseLease(first);
    const taken = await store.acquireLease(first.sessionId, 'process-b', 60_000);
    await sleep(450);
    expect(lost).toEqual([first.sessionId]);
    expect(await store.getLease(first.sessionId)).toEqual(taken);
    await expect(
      store.appendEvents({
        sessionId: first.sessionId,
        lease: keepers[0]?.lease,
        events: [{ type: 'message', turn: 1, data: { messageId: 'late', role: 'assistant', text: 'late' } }],
      }),
    ).rejects.toMatchObject({ code: 'conflict' });
    expect(renewer.size).toBe(1);
    expect(await store.getLease(second.sessionId)).toEqual(keepers[1]?.lease);
    await Promise.all(keepers.map((keeper) => keeper.release()));
    expect(renewer.size).toBe(0);
  });

  it('stops ticking once no lease is held: a released lease is never renewed', async () => {
    const { store, calls } = countingStore();
    const renewer = new LeaseRenewer(store, 3_000);
    const [lease] = await leased(store, 1, 3_000);
    if (!lease) throw new Error('lease expected');
    const keeper = new LeaseKeeper(store, lease, 3_000, () => undefined, renewer);
    await keeper.release();
    await sleep(1_100);
    // A turn shorter than a tick costs no renewal at all.
    expect(calls.batches).toEqual([]);
    expect(renewer.size).toBe(0);
  });
});
