import type { SessionEvent } from '@confab/client';
import { TurnResult } from '@confab/client';
import { describe, expect, it } from 'vitest';
import { type Asker, askForPendingAnswers } from './pending-answers.js';

const base = { sessionId: 'ses_1', turn: 1, at: '2025-01-01T00:00:00.000Z' };

function interrupted(events: Array<Pick<SessionEvent, 'type' | 'data'>>): TurnResult {
  const all = [...events, { type: 'turn-end', data: { stopReason: 'interrupted' } }].map(
    (event, index) => ({ ...base, seq: index + 1, ...event }) as SessionEvent,
  );
  return new TurnResult({
    index: 1,
    inputCount: 1,
    inputIds: [],
    events: all,
    stopReason: 'interrupted',
    snapshotId: null,
    usage: null,
    durationMs: 1,
  });
}

function answering(...lines: Array<string | null>): Asker & { questions: string[] } {
  const questions: string[] = [];
  return {
    questions,
    ask: async (question) => {
      questions.push(question);
      return lines.shift() ?? null;
    },
  };
}

const call = (toolCallId: string, executor: 'client' | 'server', needsApproval: boolean) => ({
  type: 'tool-call' as const,
  data: { toolCallId, toolName: 'lookup', input: { q: 1 }, executor, needsApproval },
});
const approvalRequest = (toolCallId: string) => ({
  type: 'tool-approval-request' as const,
  data: { toolCallId, toolName: 'lookup', input: { q: 1 } },
});

describe('askForPendingAnswers', () => {
  it('turns y / a / anything else into once, session and denied approvals, in order', async () => {
    const result = interrupted([
      call('c1', 'server', true),
      approvalRequest('c1'),
      call('c2', 'server', true),
      approvalRequest('c2'),
      call('c3', 'server', true),
      approvalRequest('c3'),
    ]);
    const asker = answering('y', ' Always ', 'nope');
    expect(await askForPendingAnswers(result, asker)).toEqual({
      approvals: [
        { toolCallId: 'c1', approved: true, scope: 'once' },
        { toolCallId: 'c2', approved: true, scope: 'session' },
        { toolCallId: 'c3', approved: false, scope: 'once' },
      ],
    });
    expect(asker.questions[0]).toContain('allow lookup {"q":1}?');
  });

  it('reads client tool results as JSON, else as text; an empty line or the end of input is an error result', async () => {
    const result = interrupted([call('c1', 'client', false), call('c2', 'client', false), call('c3', 'client', false)]);
    expect(await askForPendingAnswers(result, answering('{"items":[1]}', 'plain words', ''))).toEqual({
      toolResults: [
        { toolCallId: 'c1', output: { items: [1] } },
        { toolCallId: 'c2', output: 'plain words' },
        { toolCallId: 'c3', output: { error: 'no result given' }, isError: true },
      ],
    });
    expect(await askForPendingAnswers(interrupted([call('c1', 'client', false)]), answering(null))).toEqual({
      toolResults: [{ toolCallId: 'c1', output: { error: 'no result: the input ended' }, isError: true }],
    });
  });

  it('denies at the end of input and does not ask for the result of a denied client call', async () => {
    const result = interrupted([call('c1', 'client', true), approvalRequest('c1')]);
    const asker = answering(null);
    expect(await askForPendingAnswers(result, asker)).toEqual({
      approvals: [{ toolCallId: 'c1', approved: false, scope: 'once' }],
    });
    expect(asker.questions).toHaveLength(1);
  });
});
