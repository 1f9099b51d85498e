import type { NewEvent } from 'confab';
import type { SessionStore } from 'confab/store';
import { describe, expect } from 'vitest';
import { conformanceTest, createSession, expectCode, lease, messages, readAll, sleep, testId } from '../fixtures.js';
import type { ConformanceContext } from '../harness.js';

/** A turn start consuming the inputs `ids` (whose texts are `text <id>`). */
function turnStart(ids: string[], turn = 1): NewEvent[] {
  return [
    { type: 'turn-start', turn, data: { inputIds: ids, inputCount: ids.length, model: 'echo' } },
    ...ids.map((inputId) => ({ type: 'input' as const, turn, data: { inputId, text: `text ${inputId}` } })),
  ];
}

/**
 * Folded commits (`CommitFolding`), part of the port since v2: the runner's only write path, so
 * every store must pass these.
 */
export function commitFoldingSpec(context: ConformanceContext): void {
  const folding = (): SessionStore => context.store;

  describe('commit folding', () => {
    conformanceTest(
      context,
      'a lease acquisition reports whether the previous lease was released or expired',
      async () => {
        const store = folding();
        const session = await createSession(store);
        const first = await store.acquireLeaseReporting(session.id, 'process-a', 60_000);
        expect(first?.previous).toBe('none');
        expect(await store.acquireLeaseReporting(session.id, 'process-b', 60_000)).toBeNull();
        if (!first) return;
        await store.releaseLease(first.lease);
        const second = await store.acquireLeaseReporting(session.id, 'process-b', 40);
        expect(second?.previous).toBe('released');
        expect(second?.lease.token).toBeGreaterThan(first.lease.token);
        await sleep(80);
        const third = await store.acquireLeaseReporting(session.id, 'process-c', 60_000);
        expect(third?.previous).toBe('expired');
        expect(third?.lease.token).toBeGreaterThan(second?.lease.token ?? Number.POSITIVE_INFINITY);
        expect(await store.getLease(session.id)).toEqual(third?.lease);
        // The plain acquisition shares the token sequence.
        if (third) await store.releaseLease(third.lease);
        const plain = await store.acquireLease(session.id, 'process-d', 60_000);
        expect(plain?.token).toBeGreaterThan(third?.lease.token ?? Number.POSITIVE_INFINITY);
      },
    );

    conformanceTest(context, 'an append with inputs queues them already consumed by its input events', async () => {
      const store = folding();
      const session = await createSession(store);
      const held = await lease(store, session.id);
      const result = await store.appendFolded({
        sessionId: session.id,
        lease: held,
        events: turnStart(['in_a', 'in_b']),
        update: { turnCount: 1 },
        newInputs: [
          { id: 'in_a', text: 'text in_a', idempotencyKey: 'key-a' },
          { id: 'in_b', text: 'text in_b', files: ['file_1'] },
        ],
      });
      expect(result.events.map((event) => event.seq)).toEqual([1, 2, 3]);
      expect(result.session).toMatchObject({ lastSeq: 3, turnCount: 1 });
      expect(await store.getInput(session.id, 'in_a')).toMatchObject({
        id: 'in_a',
        sessionId: session.id,
        text: 'text in_a',
        files: [],
        idempotencyKey: 'key-a',
        status: 'consumed',
        consumedSeq: 2,
        consumedTurn: 1,
      });
      expect(await store.getInput(session.id, 'in_b')).toMatchObject({ files: ['file_1'], consumedSeq: 3 });
      expect((await store.findInputByKey(session.id, 'key-a'))?.id).toBe('in_a');
      expect(await store.countPendingInputs(session.id)).toBe(0);
      expect(await store.claimInputs(session.id, { max: 10, claimToken: 'late' })).toEqual([]);
      // The key behaves as if the input had been queued with enqueueInput.
      const again = await store.enqueueInput(session.id, { text: 'retry', idempotencyKey: 'key-a' });
      expect(again).toMatchObject({ created: false, input: { id: 'in_a', status: 'consumed' } });
    });

    conformanceTest(
      context,
      'an append with a used input id or key, or without the input event, writes nothing',
      async () => {
        const store = folding();
        const session = await createSession(store);
        const held = await lease(store, session.id);
        await store.enqueueInput(session.id, { id: 'in_queued', text: 'queued', idempotencyKey: 'key-q' });
        await expectCode(
          store.appendFolded({
            sessionId: session.id,
            lease: held,
            events: turnStart(['in_new']),
            newInputs: [{ id: 'in_new', text: 'text in_new', idempotencyKey: 'key-q' }],
          }),
          'conflict',
        );
        await expectCode(
          store.appendFolded({
            sessionId: session.id,
            lease: held,
            events: turnStart(['in_queued']),
            newInputs: [{ id: 'in_queued', text: 'text in_queued' }],
          }),
          'conflict',
        );
        await expectCode(
          store.appendFolded({
            sessionId: session.id,
            lease: held,
            events: turnStart([]),
            newInputs: [{ id: 'in_orphan', text: 'no event' }],
          }),
          'invalid_argument',
        );
        expect(await readAll(store, session.id)).toEqual([]);
        expect(await store.getInput(session.id, 'in_new')).toBeNull();
        expect(await store.getInput(session.id, 'in_orphan')).toBeNull();
        expect(await store.getInput(session.id, 'in_queued')).toMatchObject({ status: 'pending', text: 'queued' });
        expect((await store.getSession(session.id))?.lastSeq).toBe(0);
      },
    );

    conformanceTest(context, 'an append with inputs under a stale lease queues nothing', async () => {
      const store = folding();
      const session = await createSession(store);
      const stale = await lease(store, session.id, 'process-a');
      await store.releaseLease(stale);
      await lease(store, session.id, 'process-b');
      await expectCode(
        store.appendFolded({
          sessionId: session.id,
          lease: stale,
          events: turnStart(['in_x']),
          newInputs: [{ id: 'in_x', text: 'text in_x', idempotencyKey: 'key-x' }],
        }),
        'conflict',
      );
      expect(await store.getInput(session.id, 'in_x')).toBeNull();
      expect(await store.findInputByKey(session.id, 'key-x')).toBeNull();
    });

    conformanceTest(context, 'an append can release its lease in the same transaction', async () => {
      const store = folding();
      const session = await createSession(store);
      const held = await lease(store, session.id, 'process-a');
      await expectCode(
        store.appendFolded({ sessionId: session.id, events: messages(1), releaseLease: true }),
        'invalid_argument',
      );
      const result = await store.appendFolded({
        sessionId: session.id,
        lease: held,
        events: messages(2),
        snapshot: { id: testId('snap') },
        releaseLease: true,
      });
      expect(result.events.map((event) => event.seq)).toEqual([1, 2]);
      expect(await store.getLease(session.id)).toBeNull();
      await expectCode(store.appendEvents({ sessionId: session.id, lease: held, events: messages(1) }), 'conflict');
      await expectCode(store.renewLease(held, 60_000), 'conflict');
      const next = await store.acquireLeaseReporting(session.id, 'process-b', 60_000);
      expect(next?.previous).toBe('released');
      expect(next?.lease.token).toBeGreaterThan(held.token);
      // A refused append releases nothing.
      await expectCode(
        store.appendFolded({ sessionId: session.id, lease: held, events: messages(1), releaseLease: true }),
        'conflict',
      );
      expect(await store.getLease(session.id)).toEqual(next?.lease);
    });

    conformanceTest(context, 'findInputByKey finds queued inputs of its own session only', async () => {
      const store = folding();
      const session = await createSession(store);
      const other = await createSession(store);
      const { input } = await store.enqueueInput(session.id, { text: 'hello', idempotencyKey: 'k' });
      expect(await store.findInputByKey(session.id, 'k')).toEqual(input);
      expect(await store.findInputByKey(other.id, 'k')).toBeNull();
      expect(await store.findInputByKey(session.id, 'unknown')).toBeNull();
      await expectCode(store.findInputByKey('ses_missing', 'k'), 'not_found');
    });
  });
}
