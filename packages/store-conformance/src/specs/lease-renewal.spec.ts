import type { Lease } from 'confab';
import { describe, expect } from 'vitest';
import { appendMessages, conformanceTest, createSession, expectCode, lease, messages, sleep } from '../fixtures.js';
import type { ConformanceContext } from '../harness.js';

/** `renewLeases`: one call renews many leases, answers each, and fences like `renewLease`. */
export function leaseRenewalSpec(context: ConformanceContext): void {
  describe('lease renewal in batches', () => {
    conformanceTest(context, 'renews every held lease with its token, in the order asked', async () => {
      const sessions = await Promise.all([1, 2, 3].map(() => createSession(context.store)));
      const held = await Promise.all(
        sessions.map((session) => context.store.acquireLease(session.id, 'process-a', 1_000)),
      );
      const leases = held.map((taken) => {
        if (!taken) throw new Error('lease expected');
        return taken;
      });
      await sleep(5);
      const asked = [leases[2], leases[0], leases[1]].filter((taken) => taken !== undefined);
      const renewed = await context.store.renewLeases(asked, 60_000);
      expect(renewed.map((taken) => taken?.sessionId)).toEqual(asked.map((taken) => taken.sessionId));
      for (const [index, taken] of renewed.entries()) {
        const before = asked[index];
        if (!taken || !before) throw new Error('renewed lease expected');
        expect(taken.token).toBe(before.token);
        expect(taken.owner).toBe(before.owner);
        expect(Date.parse(taken.expiresAt)).toBeGreaterThan(Date.parse(before.expiresAt));
        expect(await context.store.getLease(taken.sessionId)).toEqual(taken);
        // The renewed lease is the one the store fences appends with.
        expect(await appendMessages(context.store, taken.sessionId, taken, 1)).toEqual([1]);
      }
    });

    conformanceTest(context, 'keeps a lease alive past its first expiry', async () => {
      const session = await createSession(context.store);
      // Renewed every 250 ms, well inside its 1 s time to live even on a loaded machine.
      let held: Lease | null | undefined = await context.store.acquireLease(session.id, 'process-a', 1_000);
      for (let round = 0; round < 6; round++) {
        await sleep(250);
        if (!held) break;
        [held] = await context.store.renewLeases([held], 1_000);
      }
      // 1.5 s after a 1 s lease was taken: only the renewals kept it.
      expect(held).not.toBeNull();
      expect(await context.store.acquireLease(session.id, 'process-b', 60_000)).toBeNull();
      if (held) expect(await appendMessages(context.store, session.id, held, 1)).toEqual([1]);
    });

    conformanceTest(
      context,
      'answers null for lost, released, expired and deleted leases, renewing the rest',
      async () => {
        const [kept, released, expired, takenOver, deleted] = await Promise.all(
          [1, 2, 3, 4, 5].map(() => createSession(context.store)),
        );
        if (!kept || !released || !expired || !takenOver || !deleted) throw new Error('sessions expected');
        const keptLease = await lease(context.store, kept.id, 'process-a');
        const releasedLease = await lease(context.store, released.id, 'process-a');
        await context.store.releaseLease(releasedLease);
        const expiredLease = await context.store.acquireLease(expired.id, 'process-a', 40);
        const staleLease = await context.store.acquireLease(takenOver.id, 'process-a', 40);
        const deletedLease = await lease(context.store, deleted.id, 'process-a');
        if (!expiredLease || !staleLease) throw new Error('leases expected');
        await sleep(80);
        const newHolder = await lease(context.store, takenOver.id, 'process-b');
        await context.store.deleteSession(deleted.id);
        const renewed = await context.store.renewLeases(
          [releasedLease, keptLease, expiredLease, staleLease, deletedLease],
          60_000,
        );
        expect(renewed.map((taken) => taken === null)).toEqual([true, false, true, true, true]);
        expect(renewed[1]?.token).toBe(keptLease.token);
        // A refused renewal changes nothing: the new holder keeps its lease, the stale token stays fenced off.
        expect(await context.store.getLease(takenOver.id)).toEqual(newHolder);
        await expectCode(
          context.store.appendEvents({ sessionId: takenOver.id, lease: staleLease, events: messages(1) }),
          'conflict',
        );
        expect(await context.store.getLease(released.id)).toBeNull();
        expect(await context.store.getLease(expired.id)).toBeNull();
      },
    );

    conformanceTest(context, 'an empty batch answers an empty list; a session twice is refused', async () => {
      expect(await context.store.renewLeases([], 60_000)).toEqual([]);
      const session = await createSession(context.store);
      const held = await lease(context.store, session.id);
      await expectCode(context.store.renewLeases([held, held], 60_000), 'invalid_argument');
      await expectCode(context.store.renewLeases([held], 0), 'invalid_argument');
      expect(await context.store.getLease(session.id)).toEqual(held);
    });
  });
}
