import type { QueuedInput } from 'confab';
import { describe, expect } from 'vitest';
import { conformanceTest, createSession, expectCode, lease } from '../fixtures.js';
import type { ConformanceContext } from '../harness.js';

/** The input queue: idempotent enqueue, exactly-once claim, release, consumption with the log. */
export function inputsSpec(context: ConformanceContext): void {
  describe('inputs', () => {
    conformanceTest(context, 'an idempotency key returns the first input', async () => {
      const session = await createSession(context.store);
      const first = await context.store.enqueueInput(session.id, { text: 'hello', idempotencyKey: 'k1' });
      const again = await context.store.enqueueInput(session.id, { text: 'different', idempotencyKey: 'k1' });
      expect(first.created).toBe(true);
      expect(first.input).toMatchObject({ text: 'hello', status: 'pending', files: [], idempotencyKey: 'k1' });
      expect(again.created).toBe(false);
      expect(again.input.id).toBe(first.input.id);
      expect(again.input.text).toBe('hello');
      expect(await context.store.countPendingInputs(session.id)).toBe(1);
      const other = await createSession(context.store);
      expect((await context.store.enqueueInput(other.id, { text: 'x', idempotencyKey: 'k1' })).created).toBe(true);
    });

    conformanceTest(context, 'claims are oldest first and bounded by max', async () => {
      const session = await createSession(context.store);
      for (const text of ['a', 'b', 'c']) await context.store.enqueueInput(session.id, { text });
      const claimed = await context.store.claimInputs(session.id, { max: 2, claimToken: 'turn-1' });
      expect(claimed.map((input) => input.text)).toEqual(['a', 'b']);
      expect(claimed.every((input) => input.status === 'claimed' && input.claimToken === 'turn-1')).toBe(true);
      expect(await context.store.countPendingInputs(session.id)).toBe(1);
    });

    conformanceTest(context, 'a claim by ids takes only those inputs that are still pending', async () => {
      const session = await createSession(context.store);
      const { input: first } = await context.store.enqueueInput(session.id, { text: 'a' });
      const { input: second } = await context.store.enqueueInput(session.id, { text: 'b' });
      const { input: third } = await context.store.enqueueInput(session.id, { text: 'c' });
      const byId = await context.store.claimInputs(session.id, { max: 10, claimToken: 'run', ids: [second.id] });
      expect(byId.map((input) => input.id)).toEqual([second.id]);
      const again = await context.store.claimInputs(session.id, { max: 10, claimToken: 'run', ids: [second.id] });
      expect(again).toEqual([]);
      const rest = await context.store.claimInputs(session.id, { max: 10, claimToken: 'batch' });
      expect(rest.map((input) => input.id)).toEqual([first.id, third.id]);
    });

    conformanceTest(context, 'concurrent claimers receive disjoint sets covering every input', async () => {
      const session = await createSession(context.store);
      for (let index = 0; index < 100; index++) await context.store.enqueueInput(session.id, { text: `i${index}` });
      const claims = await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          context.store.claimInputs(session.id, { max: 128, claimToken: `claimer-${index}` }),
        ),
      );
      const ids = claims.flat().map((input) => input.id);
      expect(ids).toHaveLength(100);
      expect(new Set(ids).size).toBe(100);
      expect(await context.store.countPendingInputs(session.id)).toBe(0);
    });

    conformanceTest(context, 'released inputs are claimable again; consumed ones never', async () => {
      const session = await createSession(context.store);
      const held = await lease(context.store, session.id);
      const { input: first } = await context.store.enqueueInput(session.id, { text: 'one' });
      const { input: second } = await context.store.enqueueInput(session.id, { text: 'two', files: ['file_1'] });
      const claimed = await context.store.claimInputs(session.id, { max: 10, claimToken: 'turn-1' });
      expect(claimed).toHaveLength(2);
      const result = await context.store.appendEvents({
        sessionId: session.id,
        lease: held,
        events: [{ type: 'input', turn: 1, data: { inputId: first.id, text: first.text } }],
        consumeInputIds: [first.id],
      });
      expect(await context.store.releaseInputs(session.id, 'other-claim')).toBe(0);
      expect(await context.store.releaseInputs(session.id, 'turn-1')).toBe(1);
      const consumed = (await context.store.getInput(session.id, first.id)) as QueuedInput;
      expect(consumed).toMatchObject({ status: 'consumed', consumedSeq: result.events[0]?.seq, consumedTurn: 1 });
      const again = await context.store.claimInputs(session.id, { max: 10, claimToken: 'turn-2' });
      expect(again.map((input) => input.id)).toEqual([second.id]);
      expect(again[0]?.files).toEqual(['file_1']);
      await expectCode(
        context.store.appendEvents({
          sessionId: session.id,
          lease: held,
          events: [{ type: 'input', turn: 2, data: { inputId: first.id, text: first.text } }],
          consumeInputIds: [first.id],
        }),
        'conflict',
      );
    });

    conformanceTest(context, 'inputs to closed or missing sessions are refused', async () => {
      const session = await createSession(context.store);
      await context.store.closeSession(session.id);
      await expectCode(context.store.enqueueInput(session.id, { text: 'late' }), 'session_closed');
      await expectCode(context.store.enqueueInput('ses_missing', { text: 'x' }), 'not_found');
      expect(await context.store.getInput(session.id, 'in_missing')).toBeNull();
    });
  });
}
