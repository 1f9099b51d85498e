import { describe, expect } from 'vitest';
import { appendMessages, conformanceTest, createSession, expectCode, lease, messages, sleep } from '../fixtures.js';
import type { ConformanceContext } from '../harness.js';

/** Leases and fencing tokens: only the current holder writes. */
export function leasesSpec(context: ConformanceContext): void {
  describe('leases', () => {
    conformanceTest(context, 'one holder at a time; release frees it with a higher token next', async () => {
      const session = await createSession(context.store);
      const first = await lease(context.store, session.id, 'process-a');
      expect(await context.store.acquireLease(session.id, 'process-b', 60_000)).toBeNull();
      expect(await context.store.getLease(session.id)).toEqual(first);
      await context.store.releaseLease(first);
      expect(await context.store.getLease(session.id)).toBeNull();
      const second = await lease(context.store, session.id, 'process-b');
      expect(second.token).toBeGreaterThan(first.token);
    });

    conformanceTest(context, 'an expired lease is taken over and its stale token cannot append', async () => {
      const session = await createSession(context.store);
      const stale = await context.store.acquireLease(session.id, 'process-a', 40);
      expect(stale).not.toBeNull();
      await sleep(80);
      expect(await context.store.getLease(session.id)).toBeNull();
      if (!stale) return;
      await expectCode(
        context.store.appendEvents({ sessionId: session.id, lease: stale, events: messages(1) }),
        'conflict',
      );
      const fresh = await lease(context.store, session.id, 'process-b');
      expect(fresh.token).toBeGreaterThan(stale.token);
      await expectCode(
        context.store.appendEvents({ sessionId: session.id, lease: stale, events: messages(1) }),
        'conflict',
      );
      await expectCode(context.store.renewLease(stale, 60_000), 'conflict');
      expect(await appendMessages(context.store, session.id, fresh, 1)).toEqual([1]);
    });

    conformanceTest(context, 'without a lease, an append is refused while another writer holds one', async () => {
      const session = await createSession(context.store);
      const held = await lease(context.store, session.id);
      await expectCode(context.store.appendEvents({ sessionId: session.id, events: messages(1) }), 'conflict');
      await context.store.releaseLease(held);
      const result = await context.store.appendEvents({ sessionId: session.id, events: messages(1) });
      expect(result.events[0]?.seq).toBe(1);
    });

    conformanceTest(context, 'renew extends the same token; a released lease cannot be renewed', async () => {
      const session = await createSession(context.store);
      const held = await context.store.acquireLease(session.id, 'process-a', 1_000);
      if (!held) throw new Error('lease expected');
      await sleep(5);
      const renewed = await context.store.renewLease(held, 60_000);
      expect(renewed.token).toBe(held.token);
      expect(Date.parse(renewed.expiresAt)).toBeGreaterThan(Date.parse(held.expiresAt));
      await context.store.releaseLease(renewed);
      await expectCode(context.store.renewLease(renewed, 60_000), 'conflict');
      await context.store.releaseLease(renewed);
    });

    conformanceTest(context, 'tokens keep increasing across many acquisitions', async () => {
      const session = await createSession(context.store);
      let previous = 0;
      for (let round = 0; round < 5; round++) {
        const held = await lease(context.store, session.id, `owner-${round}`);
        expect(held.token).toBeGreaterThan(previous);
        previous = held.token;
        await context.store.releaseLease(held);
      }
    });
  });
}
