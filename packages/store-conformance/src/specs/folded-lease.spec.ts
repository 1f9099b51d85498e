import type { ConfabError, NewEvent } from 'confab';
import type { SessionStore } from 'confab/store';
import { describe, expect } from 'vitest';
import { conformanceTest, createSession, expectCode, lease, messages, readAll, sleep } from '../fixtures.js';
import type { ConformanceContext } from '../harness.js';

/** A turn start consuming the fresh input `id` (whose text is `text <id>`). */
function turnStart(id: string, turn = 1): NewEvent[] {
  return [
    { type: 'turn-start', turn, data: { inputIds: [id], inputCount: 1, model: 'echo' } },
    { type: 'input', turn, data: { inputId: id, text: `text ${id}` } },
  ];
}

/** Fails unless `promise` rejects with `conflict` and this `details.reason`. */
async function expectConflict(promise: Promise<unknown>, reason: string): Promise<void> {
  const error = (await promise.then(
    () => null,
    (failure: unknown) => failure,
  )) as ConfabError | null;
  expect(error).toMatchObject({ code: 'conflict', details: { reason } });
}

/**
 * The lease acquisition folded into an append (`FoldedAppendRequest.acquireLease`): a turn's start
 * in one commit. Fencing, expiry and the report of how the previous lease ended are those of
 * `acquireLeaseReporting`; the fold only ever takes a lease whose previous holder ended cleanly.
 */
export function foldedLeaseSpec(context: ConformanceContext): void {
  const folding = (): SessionStore => context.store;

  describe('lease acquisition folded into an append', () => {
    conformanceTest(context, 'takes a free lease, fences the append with it and hands it back', async () => {
      const store = folding();
      const session = await createSession(store);
      const result = await store.appendFolded({
        sessionId: session.id,
        events: turnStart('in_a'),
        update: { turnCount: 1 },
        expectedLastSeq: 0,
        newInputs: [{ id: 'in_a', text: 'text in_a', idempotencyKey: 'key-a' }],
        acquireLease: { owner: 'process-a', ttlMs: 60_000 },
      });
      expect(result.events.map((event) => event.seq)).toEqual([1, 2]);
      expect(result.session).toMatchObject({ lastSeq: 2, turnCount: 1 });
      expect(result.lease).toMatchObject({ sessionId: session.id, owner: 'process-a' });
      const held = result.lease;
      if (!held) return;
      expect(Date.parse(held.expiresAt)).toBeGreaterThan(Date.now() + 30_000);
      expect(await store.getLease(session.id)).toEqual(held);
      expect(await store.getInput(session.id, 'in_a')).toMatchObject({ status: 'consumed', consumedSeq: 2 });
      // It is the session's lease like any other: it excludes others, fences, renews and releases.
      expect(await store.acquireLease(session.id, 'process-b', 60_000)).toBeNull();
      await expectCode(store.appendEvents({ sessionId: session.id, events: messages(1) }), 'conflict');
      const renewed = await store.renewLease(held, 60_000);
      expect(renewed.token).toBe(held.token);
      await store.appendFolded({ sessionId: session.id, lease: renewed, events: messages(1), releaseLease: true });
      const next = await store.acquireLeaseReporting(session.id, 'process-b', 60_000);
      expect(next?.previous).toBe('released');
      expect(next?.lease.token).toBe(held.token + 1);
    });

    conformanceTest(context, 'refuses a live lease and one that expired unreleased, writing nothing', async () => {
      const store = folding();
      const session = await createSession(store);
      const other = await lease(store, session.id, 'process-b');
      const attempt = () =>
        store.appendFolded({
          sessionId: session.id,
          events: turnStart('in_x'),
          newInputs: [{ id: 'in_x', text: 'text in_x', idempotencyKey: 'key-x' }],
          acquireLease: { owner: 'process-a', ttlMs: 60_000 },
        });
      await expectConflict(attempt(), 'leased');
      expect(await store.getLease(session.id)).toEqual(other);
      await store.releaseLease(other);
      // A holder that stopped renewing may have left claims or an open turn: the fold leaves it
      // to acquireLeaseReporting, which reports it expired.
      const abandoned = await store.acquireLease(session.id, 'process-c', 40);
      await sleep(80);
      await expectConflict(attempt(), 'lease_expired');
      expect(await readAll(store, session.id)).toEqual([]);
      expect(await store.getInput(session.id, 'in_x')).toBeNull();
      expect(await store.findInputByKey(session.id, 'key-x')).toBeNull();
      const takeover = await store.acquireLeaseReporting(session.id, 'process-a', 60_000);
      expect(takeover?.previous).toBe('expired');
      expect(takeover?.lease.token).toBe((abandoned?.token ?? Number.NaN) + 1);
    });

    conformanceTest(context, 'a folded lease that is never released expires and is reported expired', async () => {
      const store = folding();
      const session = await createSession(store);
      const result = await store.appendFolded({
        sessionId: session.id,
        events: turnStart('in_a'),
        newInputs: [{ id: 'in_a', text: 'text in_a' }],
        acquireLease: { owner: 'process-a', ttlMs: 40 },
      });
      await sleep(80);
      expect(await store.getLease(session.id)).toBeNull();
      if (result.lease) await expectCode(store.renewLease(result.lease, 60_000), 'conflict');
      const takeover = await store.acquireLeaseReporting(session.id, 'process-b', 60_000);
      expect(takeover?.previous).toBe('expired');
      expect(takeover?.lease.token).toBe((result.lease?.token ?? Number.NaN) + 1);
    });

    conformanceTest(context, 'an append that fails takes no lease and uses no token', async () => {
      const store = folding();
      const session = await createSession(store);
      const first = await lease(store, session.id, 'process-a');
      await store.releaseLease(first);
      await expectConflict(
        store.appendFolded({
          sessionId: session.id,
          events: messages(1),
          expectedLastSeq: 5,
          acquireLease: { owner: 'process-b', ttlMs: 60_000 },
        }),
        'seq_mismatch',
      );
      expect(await store.getLease(session.id)).toBeNull();
      const next = await store.acquireLeaseReporting(session.id, 'process-c', 60_000);
      expect(next?.previous).toBe('released');
      expect(next?.lease.token).toBe(first.token + 1);
    });

    conformanceTest(context, 'refuses an acquisition beside a lease, a release or with a bad ttl', async () => {
      const store = folding();
      const session = await createSession(store);
      const held = await lease(store, session.id, 'process-a');
      const acquireLease = { owner: 'process-b', ttlMs: 60_000 };
      const events = messages(1);
      const sessionId = session.id;
      await expectCode(store.appendFolded({ sessionId, events, lease: held, acquireLease }), 'invalid_argument');
      await expectCode(
        store.appendFolded({ sessionId, events, lease: held, releaseLease: true, acquireLease }),
        'invalid_argument',
      );
      await store.releaseLease(held);
      for (const ttlMs of [0, -1, Number.NaN]) {
        await expectCode(
          store.appendFolded({ sessionId, events, acquireLease: { owner: 'process-b', ttlMs } }),
          'invalid_argument',
        );
      }
      await expectCode(
        store.appendFolded({ sessionId, events, acquireLease: { owner: '', ttlMs: 1000 } }),
        'invalid_argument',
      );
      expect(await readAll(store, session.id)).toEqual([]);
      expect(await store.getLease(session.id)).toBeNull();
    });
  });
}
