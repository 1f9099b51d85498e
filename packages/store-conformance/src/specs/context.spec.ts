import { EVENT_TYPES, type EventType, type NewEvent } from 'confab';
import type { SessionContext } from 'confab/store';
import { describe, expect } from 'vitest';
import { APP_A, conformanceTest, createSession, expectCode, messages, testId } from '../fixtures.js';
import type { ConformanceContext } from '../harness.js';

/** `readContext`: what a turn loads — the latest summary and what came after it. */
export function contextSpec(context: ConformanceContext): void {
  describe('context', () => {
    conformanceTest(context, 'without a compaction the context is the whole log', async () => {
      const session = await createSession(context.store);
      await context.store.appendEvents({ sessionId: session.id, events: messages(4) });
      const loaded = await context.store.readContext(session.id);
      expect(loaded.compaction).toBeNull();
      expect(loaded.events.map((event) => event.seq)).toEqual([1, 2, 3, 4]);
      expect(loaded.session.id).toBe(session.id);
    });

    conformanceTest(context, 'reading after compaction starts at the summary', async () => {
      const session = await createSession(context.store);
      await context.store.appendEvents({ sessionId: session.id, events: messages(10) });
      await context.store.appendEvents({
        sessionId: session.id,
        events: [{ type: 'compaction', turn: 1, data: { summary: 'first ten', throughSeq: 6 } }],
      });
      await context.store.appendEvents({ sessionId: session.id, events: messages(2, 2, 'new-') });
      const loaded = await context.store.readContext(session.id);
      expect(loaded.session.compactionSeq).toBe(11);
      expect(loaded.compaction).toMatchObject({
        seq: 11,
        type: 'compaction',
        data: { summary: 'first ten', throughSeq: 6 },
      });
      expect(loaded.events.map((event) => event.seq)).toEqual([7, 8, 9, 10, 11, 12, 13]);
      await context.store.appendEvents({
        sessionId: session.id,
        events: [{ type: 'compaction', turn: 2, data: { summary: 'summary of summary', throughSeq: 12 } }],
      });
      const again = await context.store.readContext(session.id);
      expect(again.compaction?.data.summary).toBe('summary of summary');
      expect(again.events.map((event) => event.seq)).toEqual([13, 14]);
    });

    conformanceTest(context, 'a fork sees the compaction it inherited, not later ones', async () => {
      const session = await createSession(context.store);
      await context.store.appendEvents({ sessionId: session.id, events: messages(4) });
      await context.store.appendEvents({
        sessionId: session.id,
        events: [{ type: 'compaction', turn: 1, data: { summary: 'early', throughSeq: 3 } }],
      });
      const snapshotId = testId('snap');
      await context.store.appendEvents({ sessionId: session.id, events: messages(1), snapshot: { id: snapshotId } });
      await context.store.appendEvents({
        sessionId: session.id,
        events: [{ type: 'compaction', turn: 2, data: { summary: 'late', throughSeq: 6 } }],
      });
      const fork = await context.store.forkSession({ sessionId: session.id, appId: APP_A, snapshotId });
      const loaded = await context.store.readContext(fork.id);
      expect(loaded.compaction?.data.summary).toBe('early');
      expect(loaded.compaction?.sessionId).toBe(fork.id);
      expect(loaded.events.map((event) => event.seq)).toEqual([4, 5, 6]);
    });

    conformanceTest(context, 'a filtered context holds exactly the events of the types asked for', async () => {
      const session = await createSession(context.store);
      await context.store.appendEvents({ sessionId: session.id, events: [...mixedTurn(1), ...mixedTurn(2)] });
      const full = await context.store.readContext(session.id);
      expect(full.events).toHaveLength(20);
      const loaded = await context.store.readContext(session.id, { types: PROMPT_TYPES });
      expect(loaded.events).toEqual(onlyTypes(full, PROMPT_TYPES));
      expect(loaded.events.map((event) => event.seq)).toEqual([2, 3, 4, 7, 9, 12, 13, 14, 17, 19]);
      expect(loaded.session).toEqual(full.session);
      expect(loaded.compaction).toBeNull();
      // The filter is a set: order and repetition of the names do not matter.
      const reordered = await context.store.readContext(session.id, {
        types: ['tool-result', 'input', 'input', 'tool-call', 'message'],
      });
      expect(reordered.events).toEqual(loaded.events);
      // Look-alikes inside `data` (inputs and outputs with a `type` key, text quoting an event) never match.
      const calls = await context.store.readContext(session.id, { types: ['tool-call'] });
      expect(calls.events.map((event) => event.seq)).toEqual([4, 14]);
      const bounds = await context.store.readContext(session.id, { types: ['turn-end', 'turn-start'] });
      expect(bounds.events.map((event) => [event.seq, event.type])).toEqual([
        [1, 'turn-start'],
        [10, 'turn-end'],
        [11, 'turn-start'],
        [20, 'turn-end'],
      ]);
    });

    conformanceTest(context, 'a filtered context after a compaction starts at the summary', async () => {
      const session = await createSession(context.store);
      await context.store.appendEvents({ sessionId: session.id, events: mixedTurn(1) });
      await context.store.appendEvents({
        sessionId: session.id,
        events: [{ type: 'compaction', turn: 1, data: { summary: 'turn one', throughSeq: 5 } }],
      });
      await context.store.appendEvents({ sessionId: session.id, events: mixedTurn(2) });
      const full = await context.store.readContext(session.id);
      const loaded = await context.store.readContext(session.id, { types: PROMPT_TYPES });
      // The compaction is reported though its type was not asked for; only later events are read.
      expect(loaded.compaction).toEqual(full.compaction);
      expect(loaded.compaction).toMatchObject({ seq: 11, data: { summary: 'turn one', throughSeq: 5 } });
      expect(loaded.events).toEqual(onlyTypes(full, PROMPT_TYPES));
      expect(loaded.events.map((event) => event.seq)).toEqual([7, 9, 13, 14, 15, 18, 20]);
      const withCompaction = await context.store.readContext(session.id, { types: ['compaction', 'message'] });
      expect(withCompaction.events.map((event) => [event.seq, event.type])).toEqual([
        [9, 'message'],
        [11, 'compaction'],
        [14, 'message'],
        [20, 'message'],
      ]);
    });

    conformanceTest(context, 'a filtered context reads through fork parents', async () => {
      const session = await createSession(context.store);
      await context.store.appendEvents({ sessionId: session.id, events: mixedTurn(1) });
      await context.store.appendEvents({
        sessionId: session.id,
        events: [{ type: 'compaction', turn: 1, data: { summary: 'early', throughSeq: 3 } }],
      });
      const snapshotId = testId('snap');
      await context.store.appendEvents({ sessionId: session.id, events: mixedTurn(2), snapshot: { id: snapshotId } });
      await context.store.appendEvents({ sessionId: session.id, events: mixedTurn(3) });
      const fork = await context.store.forkSession({ sessionId: session.id, appId: APP_A, snapshotId });
      await context.store.appendEvents({ sessionId: fork.id, events: mixedTurn(3, 'fork-') });
      const full = await context.store.readContext(fork.id);
      const loaded = await context.store.readContext(fork.id, { types: PROMPT_TYPES });
      expect(loaded.compaction?.data.summary).toBe('early');
      expect(loaded.compaction?.sessionId).toBe(fork.id);
      expect(loaded.events).toEqual(onlyTypes(full, PROMPT_TYPES));
      expect(loaded.events.map((event) => event.seq)).toEqual([4, 7, 9, 13, 14, 15, 18, 20, 23, 24, 25, 28, 30]);
      expect(loaded.events.every((event) => event.sessionId === fork.id)).toBe(true);
      // After the fork point come the fork's own events, never the parent's.
      const answers = loaded.events.flatMap((event) =>
        event.type === 'message' && event.data.text.includes('answer') ? [event.data.text] : [],
      );
      expect(answers).toEqual(['answer 1', 'answer 2', 'fork-answer 3']);
    });

    conformanceTest(context, 'an empty types list yields no events but still the session and compaction', async () => {
      const session = await createSession(context.store);
      await context.store.appendEvents({ sessionId: session.id, events: mixedTurn(1) });
      await context.store.appendEvents({
        sessionId: session.id,
        events: [{ type: 'compaction', turn: 1, data: { summary: 'so far', throughSeq: 4 } }],
      });
      const loaded = await context.store.readContext(session.id, { types: [] });
      expect(loaded.events).toEqual([]);
      expect(loaded.compaction).toMatchObject({ seq: 11, data: { summary: 'so far', throughSeq: 4 } });
      expect(loaded.session.id).toBe(session.id);
      expect(loaded.session.lastSeq).toBe(11);
    });

    conformanceTest(
      context,
      'a types filter naming anything but persisted event types is invalid_argument',
      async () => {
        const session = await createSession(context.store);
        await context.store.appendEvents({ sessionId: session.id, events: mixedTurn(1) });
        const read = (types: unknown) =>
          context.store.readContext(session.id, { types: types as readonly EventType[] });
        await expectCode(read(['input', 'inputs']), 'invalid_argument');
        await expectCode(read(['text-delta']), 'invalid_argument');
        await expectCode(read(['']), 'invalid_argument');
        await expectCode(read([42]), 'invalid_argument');
        await expectCode(read('input'), 'invalid_argument');
        await expectCode(context.store.readContext(testId('ses'), { types: PROMPT_TYPES }), 'not_found');
        // Every persisted type is accepted, and asking for all of them is the unfiltered read.
        expect(await context.store.readContext(session.id, { types: EVENT_TYPES })).toEqual(
          await context.store.readContext(session.id),
        );
      },
    );
  });
}

/** What the runner builds a prompt from. */
const PROMPT_TYPES: readonly EventType[] = ['input', 'message', 'tool-call', 'tool-result'];

/** The unfiltered context's events of `types`: what a filtered read must return. */
function onlyTypes(full: SessionContext, types: readonly EventType[]) {
  return full.events.filter((event) => types.includes(event.type));
}

/**
 * Ten events of one turn, of many types (seq offsets 1–10): turn-start, input, a message quoting an
 * event's JSON, tool-call, approval request, approval, tool-result, artifact, message, turn-end.
 * Inputs, outputs and values carry `type` keys naming other event types, so a filter that matches
 * text instead of the event's own type fails.
 */
function mixedTurn(turn: number, prefix = ''): NewEvent[] {
  const inputId = `${prefix}in_${turn}`;
  const toolCallId = `${prefix}call_${turn}`;
  const quoted = '{"seq":1,"turn":1,"type":"turn-end"} ,"type":"input"';
  return [
    { type: 'turn-start', turn, data: { inputIds: [inputId], inputCount: 1, model: 'echo' } },
    { type: 'input', turn, data: { inputId, text: `${prefix}question ${turn}` } },
    { type: 'message', turn, data: { messageId: `${prefix}q_${turn}`, role: 'assistant', text: quoted } },
    {
      type: 'tool-call',
      turn,
      data: { toolCallId, toolName: 'lookup', input: { type: 'input' }, executor: 'server', needsApproval: true },
    },
    { type: 'tool-approval-request', turn, data: { toolCallId, toolName: 'lookup', input: { type: 'tool-call' } } },
    { type: 'tool-approval', turn, data: { toolCallId, approved: true, scope: 'once' } },
    {
      type: 'tool-result',
      turn,
      data: { toolCallId, toolName: 'lookup', output: { type: 'turn-end' }, isError: false },
    },
    { type: 'artifact', turn, data: { name: 'note', value: { type: 'message', text: ',"type":"tool-call"' } } },
    {
      type: 'message',
      turn,
      data: { messageId: `${prefix}a_${turn}`, role: 'assistant', text: `${prefix}answer ${turn}` },
    },
    {
      type: 'turn-end',
      turn,
      data: { snapshotId: null, inputCount: 1, inputIds: [inputId], stopReason: 'stop', usage: null, durationMs: 1 },
    },
  ];
}
