import { uiMessageChunkSchema } from 'ai';
import type { StreamEvent } from 'confab';
import { afterEach, describe, expect, it } from 'vitest';
import { finishReasonOf, TurnChunks } from './turn-chunks.js';

let seq = 0;
const at = '2026-01-01T00:00:00.000Z';
const persisted = (type: string, data: object, turn = 1): StreamEvent =>
  ({ seq: ++seq, sessionId: 'ses_1', turn, type, at, data }) as StreamEvent;
const delta = (type: string, data: object, sub: number): StreamEvent =>
  ({ seq, sub, sessionId: 'ses_1', turn: 1, type, at, data }) as StreamEvent;
const turnStart = (extra: object = {}) =>
  persisted('turn-start', { inputIds: ['in_1'], inputCount: 1, model: 'echo', ...extra });
const turnEnd = (stopReason: string) =>
  persisted('turn-end', {
    snapshotId: null,
    inputCount: 1,
    inputIds: ['in_1'],
    stopReason,
    usage: null,
    durationMs: 1,
  });

const converted: unknown[] = [];

function convert(events: StreamEvent[], converter = new TurnChunks()) {
  const chunks = [...converter.begin(), ...events.flatMap((event) => converter.push(event))];
  converted.push(...chunks);
  return chunks;
}

afterEach(async () => {
  // Every chunk produced is one the AI SDK's own schema accepts.
  const schema = uiMessageChunkSchema();
  for (const chunk of converted.splice(0)) {
    const result = await schema.validate?.(chunk);
    expect(result?.success, JSON.stringify(chunk)).toBe(true);
  }
});

describe('TurnChunks', () => {
  it('streams deltas, completes the text from the persisted message once, and finishes', () => {
    seq = 0;
    const chunks = convert([
      turnStart({ assistantMessageId: 'msg_a' }),
      persisted('input', { inputId: 'in_1', text: 'hi' }),
      delta('reasoning-delta', { messageId: 'm1', delta: 'think' }, 1),
      delta('text-delta', { messageId: 'm1', delta: 'Hel' }, 2),
      persisted('message', { messageId: 'm1', role: 'assistant', text: 'Hello', reasoning: 'think' }),
      turnEnd('stop'),
    ]);
    expect(chunks).toEqual([
      { type: 'start', messageId: 'msg_a' },
      { type: 'start-step' },
      { type: 'reasoning-start', id: 'm1:reasoning' },
      { type: 'reasoning-delta', id: 'm1:reasoning', delta: 'think' },
      { type: 'text-start', id: 'm1' },
      { type: 'text-delta', id: 'm1', delta: 'Hel' },
      { type: 'reasoning-end', id: 'm1:reasoning' },
      { type: 'text-delta', id: 'm1', delta: 'lo' },
      { type: 'text-end', id: 'm1' },
      { type: 'finish-step' },
      { type: 'finish', finishReason: 'stop' },
    ]);
  });

  it('sends a message whole when no delta was seen (a reader on another process)', () => {
    seq = 0;
    const chunks = convert([
      turnStart(),
      persisted('message', { messageId: 'm1', role: 'assistant', text: 'whole' }),
      turnEnd('stop'),
    ]);
    expect(chunks).toEqual([
      { type: 'start', messageId: 'msg_turn1' },
      { type: 'start-step' },
      { type: 'text-start', id: 'm1' },
      { type: 'text-delta', id: 'm1', delta: 'whole' },
      { type: 'text-end', id: 'm1' },
      { type: 'finish-step' },
      { type: 'finish', finishReason: 'stop' },
    ]);
  });

  it('tool calls, approvals, denials, results and errors; a new step after results', () => {
    seq = 0;
    const call = (toolCallId: string) => ({
      toolCallId,
      toolName: 'deploy',
      input: { target: toolCallId },
      executor: 'server',
      needsApproval: true,
    });
    const chunks = convert([
      turnStart({ assistantMessageId: 'msg_a' }),
      persisted('tool-call', call('c1')),
      persisted('tool-call', call('c2')),
      persisted('tool-approval-request', { toolCallId: 'c1', toolName: 'deploy', input: {} }),
      persisted('tool-approval-request', { toolCallId: 'c2', toolName: 'deploy', input: {} }),
      turnEnd('interrupted'),
    ]);
    expect(chunks.map((chunk) => chunk.type)).toEqual([
      'start',
      'start-step',
      'tool-input-start',
      'tool-input-delta',
      'tool-input-available',
      'tool-input-start',
      'tool-input-delta',
      'tool-input-available',
      'tool-approval-request',
      'tool-approval-request',
      'finish-step',
      'finish',
    ]);
    expect(chunks[8]).toEqual({ type: 'tool-approval-request', approvalId: 'c1', toolCallId: 'c1' });
    expect(chunks.at(-1)).toEqual({ type: 'finish', finishReason: 'tool-calls' });
    const continuation = convert(
      [
        persisted('tool-approval', { toolCallId: 'c1', approved: true, scope: 'once' }),
        persisted('tool-approval', { toolCallId: 'c2', approved: false, scope: 'once' }),
        persisted('tool-result', { toolCallId: 'c2', toolName: 'deploy', output: { error: 'denied' }, isError: true }),
        persisted('tool-result', { toolCallId: 'c1', toolName: 'deploy', output: { error: 'boom' }, isError: true }),
        persisted('message', { messageId: 'm2', role: 'assistant', text: 'done' }),
        persisted('error', { code: 'unavailable', message: 'model error: later' }),
        turnEnd('error'),
      ],
      new TurnChunks({ messageId: 'msg_a' }),
    );
    expect(continuation).toEqual([
      { type: 'start', messageId: 'msg_a' },
      { type: 'tool-output-denied', toolCallId: 'c2' },
      { type: 'tool-output-error', toolCallId: 'c1', errorText: 'boom' },
      { type: 'start-step' },
      { type: 'text-start', id: 'm2' },
      { type: 'text-delta', id: 'm2', delta: 'done' },
      { type: 'text-end', id: 'm2' },
      { type: 'error', errorText: 'model error: later' },
      { type: 'finish-step' },
      { type: 'finish', finishReason: 'error' },
    ]);
  });

  it('streams a tool input from live deltas that name the tool; the tool-call only completes it', () => {
    seq = 0;
    const call = { toolCallId: 'c1', toolName: 'lookup', input: { q: 'x' }, executor: 'server', needsApproval: false };
    const live = convert([
      turnStart({ assistantMessageId: 'msg_a' }),
      delta('tool-input-delta', { toolCallId: 'c1', toolName: 'lookup', delta: '{"q":' }, 1),
      delta('tool-input-delta', { toolCallId: 'c1', toolName: 'lookup', delta: '"x"}' }, 2),
      persisted('tool-call', call),
      turnEnd('stop'),
    ]);
    expect(live).toEqual([
      { type: 'start', messageId: 'msg_a' },
      { type: 'start-step' },
      { type: 'tool-input-start', toolCallId: 'c1', toolName: 'lookup' },
      { type: 'tool-input-delta', toolCallId: 'c1', inputTextDelta: '{"q":' },
      { type: 'tool-input-delta', toolCallId: 'c1', inputTextDelta: '"x"}' },
      { type: 'tool-input-available', toolCallId: 'c1', toolName: 'lookup', input: { q: 'x' } },
      { type: 'finish-step' },
      { type: 'finish', finishReason: 'stop' },
    ]);
    // Deltas that name no tool (a provider that never announced the call) wait for the tool-call.
    seq = 0;
    const unnamed = convert([
      turnStart({ assistantMessageId: 'msg_a' }),
      delta('tool-input-delta', { toolCallId: 'c1', delta: '{"q":"x"}' }, 1),
      persisted('tool-call', call),
      turnEnd('stop'),
    ]);
    expect(unnamed.filter((chunk) => chunk.type.startsWith('tool-input'))).toEqual([
      { type: 'tool-input-start', toolCallId: 'c1', toolName: 'lookup' },
      { type: 'tool-input-delta', toolCallId: 'c1', inputTextDelta: '{"q":"x"}' },
      { type: 'tool-input-available', toolCallId: 'c1', toolName: 'lookup', input: { q: 'x' } },
    ]);
  });

  it('ignores what comes before the turn-start: the closing of an earlier turn’s pending calls', () => {
    seq = 0;
    const chunks = convert([
      persisted('tool-result', { toolCallId: 'c0', toolName: 't', output: { error: 'no answer' }, isError: true }, 0),
      turnStart({ assistantMessageId: 'msg_a' }),
      persisted('message', { messageId: 'm1', role: 'assistant', text: 'hi' }),
      turnEnd('stop'),
    ]);
    expect(chunks[0]).toEqual({ type: 'start', messageId: 'msg_a' });
    expect(chunks.some((chunk) => chunk.type === 'tool-output-error')).toBe(false);
  });

  it('in a replay, turn ends of earlier segments end nothing; nothing follows the finish', () => {
    seq = 0;
    const events = [
      turnStart({ assistantMessageId: 'msg_a' }),
      persisted('tool-call', { toolCallId: 'c1', toolName: 't', input: {}, executor: 'client', needsApproval: false }),
      turnEnd('interrupted'),
      persisted('tool-result', { toolCallId: 'c1', toolName: 't', output: 7, isError: false }),
      persisted('message', { messageId: 'm2', role: 'assistant', text: 'seven' }),
      turnEnd('stop'),
      turnStart(),
    ];
    const chunks = convert(events, new TurnChunks({ segmentEndsThroughSeq: 3 }));
    expect(chunks.filter((chunk) => chunk.type === 'finish')).toEqual([{ type: 'finish', finishReason: 'stop' }]);
    expect(chunks.filter((chunk) => chunk.type === 'start')).toHaveLength(1);
    expect(chunks).toContainEqual({ type: 'tool-output-available', toolCallId: 'c1', output: 7 });
  });

  it('abort closes open parts and finishes, with an error when given', () => {
    seq = 0;
    const converter = new TurnChunks();
    convert([turnStart(), delta('text-delta', { messageId: 'm1', delta: 'par' }, 1)], converter);
    expect(converter.abort('internal: lost')).toEqual([
      { type: 'text-end', id: 'm1' },
      { type: 'finish-step' },
      { type: 'error', errorText: 'internal: lost' },
      { type: 'finish', finishReason: 'error' },
    ]);
    expect(converter.abort()).toEqual([]);
    expect(converter.finished).toBe(true);
  });

  it('maps stop reasons to AI SDK finish reasons', () => {
    expect(
      ['stop', 'length', 'interrupted', 'aborted', 'timeout', 'error'].map((reason) => finishReasonOf(reason as never)),
    ).toEqual(['stop', 'length', 'tool-calls', 'other', 'other', 'error']);
  });
});
