import { describe, expect, it } from 'vitest';
import { answerPendingWork } from './tool-handlers.js';
import { TurnResult } from './turn-result.js';
import type { SessionEvent } from './types.js';

const at = '2025-01-01T00:00:00.000Z';
const base = { sessionId: 's', turn: 1, at };

const call = (
  seq: number,
  toolCallId: string,
  toolName: string,
  executor: 'client' | 'server' = 'client',
): SessionEvent => ({
  ...base,
  seq,
  type: 'tool-call',
  data: { toolCallId, toolName, input: { n: seq }, executor, needsApproval: false },
});

describe('answerPendingWork', () => {
  it('runs handlers in order, sends throws as error results and undefined as null', async () => {
    const answers = await answerPendingWork(
      {
        toolCalls: [call(1, 'c1', 'ok'), call(2, 'c2', 'fails'), call(3, 'c3', 'nothing')].map(
          (event) => event.data as never,
        ),
        approvals: [],
      },
      {
        tools: {
          ok: (input) => ({ echoed: input }),
          fails: async () => {
            throw new Error('nope');
          },
          nothing: () => undefined,
        },
      },
      's',
      undefined,
    );
    expect(answers).toEqual({
      toolResults: [
        { toolCallId: 'c1', output: { echoed: { n: 1 } } },
        { toolCallId: 'c2', output: { error: 'nope' }, isError: true },
        { toolCallId: 'c3', output: null },
      ],
    });
  });

  it('answers nothing when some work has no handler', async () => {
    const pending = { toolCalls: [call(1, 'c1', 'known').data, call(2, 'c2', 'unknown').data] as never, approvals: [] };
    expect(await answerPendingWork(pending, { tools: { known: () => 1 } }, 's', undefined)).toBeNull();
    const approval = { toolCalls: [], approvals: [{ toolCallId: 'a', toolName: 't', input: null }] };
    expect(await answerPendingWork(approval, { tools: {} }, 's', undefined)).toBeNull();
    // Inherited names are not handlers.
    expect(
      await answerPendingWork(
        { toolCalls: [call(1, 'c', 'toString').data] as never, approvals: [] },
        { tools: {} },
        's',
        undefined,
      ),
    ).toBeNull();
  });

  it('skips a client tool whose approval was denied and keeps the scope', async () => {
    const answers = await answerPendingWork(
      {
        toolCalls: [call(1, 'c1', 'tool').data] as never,
        approvals: [{ toolCallId: 'c1', toolName: 'tool', input: null }],
      },
      { tools: { tool: () => 'ran' }, onApproval: () => ({ approved: false, scope: 'session' }) },
      's',
      undefined,
    );
    expect(answers).toEqual({ approvals: [{ toolCallId: 'c1', approved: false, scope: 'session' }] });
  });

  it('lets a throwing approval handler reject', async () => {
    const failure = new Error('no one to ask');
    await expect(
      answerPendingWork(
        { toolCalls: [], approvals: [{ toolCallId: 'a', toolName: 't', input: null }] },
        {
          onApproval: () => {
            throw failure;
          },
        },
        's',
        undefined,
      ),
    ).rejects.toBe(failure);
  });
});

describe('TurnResult', () => {
  const events: SessionEvent[] = [
    { ...base, seq: 1, type: 'message', data: { messageId: 'm1', role: 'assistant', text: 'first' } },
    { ...base, seq: 2, type: 'message', data: { messageId: 'm2', role: 'system', text: 'ignored' } },
    call(3, 'c1', 'lookup'),
    call(4, 'c2', 'server-side', 'server'),
    { ...base, seq: 5, type: 'message', data: { messageId: 'm3', role: 'assistant', text: 'second' } },
    {
      ...base,
      seq: 6,
      type: 'turn-end',
      data: { snapshotId: null, inputCount: 1, inputIds: ['i'], stopReason: 'interrupted', usage: null, durationMs: 3 },
    },
  ];

  it('joins the assistant messages and lists pending client calls', () => {
    const result = TurnResult.fromEvents(events);
    expect(result?.text()).toBe('first\nsecond');
    expect(result?.stopReason).toBe('interrupted');
    expect(result?.pendingToolCalls().map((pending) => pending.toolCallId)).toEqual(['c1']);
    expect(TurnResult.fromEvents(events.slice(0, 2))).toBeNull();
    expect(JSON.parse(JSON.stringify(result))).toMatchObject({ index: 1, stopReason: 'interrupted', durationMs: 3 });
  });
});
