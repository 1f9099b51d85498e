import { describe, expect, it } from 'vitest';
import type { SessionEvent } from '../model/event.js';
import {
  estimateEventTokenCost,
  estimateEventTokens,
  estimateTokens,
  MESSAGE_OVERHEAD_TOKENS,
} from './token-estimate.js';

const base = { sessionId: 'ses_1', turn: 1, at: '2025-01-01T00:00:00.000Z' };

describe('estimateTokens', () => {
  it('counts with a real tokenizer, not a character ratio', () => {
    expect(estimateTokens('hello world')).toBe(2);
    expect(estimateTokens('')).toBe(0);
    // 44 characters would be 11 "tokens" at length/4; the tokenizer knows these are common words.
    expect(estimateTokens('The quick brown fox jumps over the lazy dog.')).toBe(10);
  });

  it('treats special-token text as plain text instead of throwing', () => {
    expect(estimateTokens('a <|endoftext|> b')).toBeGreaterThan(3);
  });
});

describe('estimateEventTokens', () => {
  it('counts what the model sees plus a per-message overhead, and nothing for bookkeeping', () => {
    const events: SessionEvent[] = [
      { ...base, seq: 1, type: 'turn-start', data: { inputIds: ['in_1'], inputCount: 1, model: 'echo' } },
      { ...base, seq: 2, type: 'input', data: { inputId: 'in_1', text: 'hello world' } },
      {
        ...base,
        seq: 3,
        type: 'message',
        data: { messageId: 'm1', role: 'assistant', text: 'hello world', reasoning: 'hello world' },
      },
      {
        ...base,
        seq: 4,
        type: 'tool-call',
        data: { toolCallId: 'c1', toolName: 'search', input: { q: 'x' }, executor: 'server', needsApproval: false },
      },
      {
        ...base,
        seq: 5,
        type: 'tool-result',
        data: { toolCallId: 'c1', toolName: 'search', output: 'ok', isError: false },
      },
      { ...base, seq: 6, type: 'state-patch', data: { patch: [{ op: 'add', path: '/a', value: 1 }], version: 1 } },
      {
        ...base,
        seq: 7,
        type: 'turn-end',
        data: { snapshotId: null, inputCount: 1, inputIds: ['in_1'], stopReason: 'stop', usage: null, durationMs: 1 },
      },
    ];
    const costs = events.map(estimateEventTokenCost);
    expect(costs[0]).toBe(0);
    expect(costs[1]).toBe(2 + MESSAGE_OVERHEAD_TOKENS);
    expect(costs[2]).toBe(4 + MESSAGE_OVERHEAD_TOKENS);
    expect(costs[3]).toBe(estimateTokens('search') + estimateTokens('{"q":"x"}') + MESSAGE_OVERHEAD_TOKENS);
    expect(costs[4]).toBe(estimateTokens('"ok"') + MESSAGE_OVERHEAD_TOKENS);
    expect(costs[5]).toBe(0);
    expect(costs[6]).toBe(0);
    expect(estimateEventTokens(events)).toBe(costs.reduce((sum, cost) => sum + cost, 0));
    expect(estimateEventTokens([])).toBe(0);
  });
});
