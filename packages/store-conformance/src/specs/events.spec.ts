import { describe, expect } from 'vitest';
import { appendMessages, conformanceTest, createSession, expectCode, lease, messages, readAll } from '../fixtures.js';
import type { ConformanceContext } from '../harness.js';

/** The append-only log: seqs, atomic batches, session updates with appends, paging. */
export function eventsSpec(context: ConformanceContext): void {
  describe('events', () => {
    conformanceTest(context, 'an append gets contiguous seqs from 1 and returns the new head', async () => {
      const session = await createSession(context.store);
      const held = await lease(context.store, session.id);
      const result = await context.store.appendEvents({ sessionId: session.id, lease: held, events: messages(3) });
      expect(result.events.map((event) => event.seq)).toEqual([1, 2, 3]);
      expect(result.events[0]).toMatchObject({ sessionId: session.id, turn: 1, type: 'message' });
      expect(result.session.lastSeq).toBe(3);
      expect(await appendMessages(context.store, session.id, held, 2)).toEqual([4, 5]);
      const all = await readAll(context.store, session.id);
      expect(all.map((event) => event.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(all[0]?.data).toEqual({ messageId: 'm0', role: 'assistant', text: 'm 0' });
    });

    conformanceTest(context, '50 concurrent appenders to one session leave no gap and no duplicate', async () => {
      const session = await createSession(context.store);
      const held = await lease(context.store, session.id);
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, index) => appendMessages(context.store, session.id, held, 1 + (index % 3))),
      );
      const seqs = results.flat().sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, index) => index + 1));
      for (const batch of results) {
        // A batch is atomic: its seqs are contiguous.
        expect(batch).toEqual(batch.map((_, index) => (batch[0] as number) + index));
      }
      const stored = await readAll(context.store, session.id);
      expect(stored.map((event) => event.seq)).toEqual(seqs);
    });

    conformanceTest(context, 'the session update of an append is applied with it', async () => {
      const session = await createSession(context.store);
      const held = await lease(context.store, session.id);
      const at = new Date().toISOString();
      const result = await context.store.appendEvents({
        sessionId: session.id,
        lease: held,
        events: [{ type: 'turn-start', turn: 1, data: { inputIds: [], inputCount: 0, model: 'echo' } }],
        update: { turnCount: 1, lastTurnAt: at, state: { step: 1 }, stateVersion: 1 },
      });
      expect(result.session).toMatchObject({ turnCount: 1, lastTurnAt: at, state: { step: 1 }, stateVersion: 1 });
      expect(await context.store.getSession(session.id)).toEqual(result.session);
    });

    conformanceTest(context, 'a failed append writes nothing', async () => {
      const session = await createSession(context.store);
      const held = await lease(context.store, session.id);
      await appendMessages(context.store, session.id, held, 2);
      await expectCode(
        context.store.appendEvents({
          sessionId: session.id,
          lease: held,
          events: [...messages(2), { type: 'input', turn: 1, data: { inputId: 'in_never_claimed', text: 'hi' } }],
          consumeInputIds: ['in_never_claimed'],
          update: { title: 'should not stick' },
        }),
        'conflict',
      );
      await expectCode(
        context.store.appendEvents({ sessionId: session.id, lease: held, events: messages(1), expectedLastSeq: 1 }),
        'conflict',
      );
      const after = await context.store.getSession(session.id);
      expect(after?.lastSeq).toBe(2);
      expect(after?.title).toBeNull();
      expect((await readAll(context.store, session.id)).map((event) => event.seq)).toEqual([1, 2]);
      expect(await appendMessages(context.store, session.id, held, 1)).toEqual([3]);
    });

    conformanceTest(context, 'bad appends get clear codes', async () => {
      const session = await createSession(context.store);
      const held = await lease(context.store, session.id);
      await expectCode(
        context.store.appendEvents({ sessionId: session.id, lease: held, events: [] }),
        'invalid_argument',
      );
      await expectCode(
        context.store.appendEvents({
          sessionId: session.id,
          lease: held,
          events: [{ type: 'bogus', turn: 1, data: {} } as never],
        }),
        'invalid_argument',
      );
      await expectCode(context.store.appendEvents({ sessionId: 'ses_missing', events: messages(1) }), 'not_found');
      await context.store.releaseLease(held);
      await context.store.closeSession(session.id);
      await expectCode(context.store.appendEvents({ sessionId: session.id, events: messages(1) }), 'session_closed');
    });

    conformanceTest(context, 'reading pages by after and limit, capped at 1000', async () => {
      const session = await createSession(context.store);
      const held = await lease(context.store, session.id);
      await context.store.appendEvents({ sessionId: session.id, lease: held, events: messages(1005) });
      const first = await context.store.readEvents(session.id, { limit: 5000 });
      expect(first.events).toHaveLength(1000);
      expect(first.nextAfter).toBe(1000);
      const rest = await context.store.readEvents(session.id, { after: first.nextAfter ?? 0 });
      expect(rest.events.map((event) => event.seq)).toEqual([1001, 1002, 1003, 1004, 1005]);
      expect(rest.nextAfter).toBeNull();
      const middle = await context.store.readEvents(session.id, { after: 10, limit: 3 });
      expect(middle.events.map((event) => event.seq)).toEqual([11, 12, 13]);
      expect(middle.nextAfter).toBe(13);
      const defaults = await context.store.readEvents(session.id);
      expect(defaults.events).toHaveLength(100);
      expect((await context.store.readEvents(session.id, { after: 1005 })).events).toEqual([]);
      await expectCode(context.store.readEvents('ses_missing'), 'not_found');
      await expectCode(context.store.readEvents(session.id, { after: -1 }), 'invalid_argument');
      await expectCode(context.store.readEvents(session.id, { after: Number.NaN }), 'invalid_argument');
    });

    conformanceTest(context, 'an event keeps the time its writer gave it', async () => {
      const session = await createSession(context.store);
      const at = '2020-01-02T03:04:05.678Z';
      const result = await context.store.appendEvents({
        sessionId: session.id,
        events: [{ type: 'error', turn: 0, at, data: { code: 'internal', message: 'x' } }],
      });
      expect(result.events[0]?.at).toBe(at);
      expect((await readAll(context.store, session.id))[0]?.at).toBe(at);
    });
  });
}
