import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../store/memory/memory-store.js';
import { needsCompaction, resolveCompactionSettings } from './compaction-policy.js';
import { countContextTokens } from './session-tokens.js';
import { HistoryBuilder } from './test-history.js';

async function seed(store: MemoryStore, history: HistoryBuilder): Promise<string> {
  const { session } = await store.createSession({ appId: 'app_1' });
  await store.appendEvents({ sessionId: session.id, events: history.events, update: { turnCount: history.turn } });
  return session.id;
}

/** A history of `turns` chats whose inputs are about `tokensPerInput` tokens each. */
function largeHistory(turns: number, tokensPerInput: number): HistoryBuilder {
  const history = new HistoryBuilder();
  const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'];
  for (let turn = 1; turn <= turns; turn++) {
    const text = Array.from({ length: tokensPerInput }, (_, index) => words[(index + turn) % words.length]).join(' ');
    history.chat(text, `answer ${turn}`);
  }
  return history;
}

describe('resolveCompactionSettings', () => {
  it('applies the contract defaults', () => {
    expect(resolveCompactionSettings()).toEqual({ maxTokens: 80_000, keepTail: 20 });
    expect(resolveCompactionSettings({ maxTokens: 0 })).toEqual({ maxTokens: 80_000, keepTail: 20 });
    expect(resolveCompactionSettings({ maxTokens: -1, keepTail: 5 })).toEqual({ maxTokens: null, keepTail: 5 });
    expect(resolveCompactionSettings({ maxTokens: 5_000, keepTail: 1 })).toEqual({ maxTokens: 5_000, keepTail: 1 });
  });

  it('rejects a keepTail below 1 or not an integer, and a maxTokens that is not a number', () => {
    for (const options of [{ keepTail: 0 }, { keepTail: -3 }, { keepTail: 2.5 }, { maxTokens: Number.NaN }]) {
      expect(() => resolveCompactionSettings(options)).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    }
  });
});

describe('needsCompaction', () => {
  it('uses 80,000 tokens when maxTokens is 0 (the default)', async () => {
    const store = new MemoryStore();
    const settings = resolveCompactionSettings({ maxTokens: 0, keepTail: 2 });
    const small = await store.readContext(await seed(store, largeHistory(4, 1_000)));
    expect(needsCompaction(small, settings)).toBe(false);
    const large = await store.readContext(await seed(store, largeHistory(4, 21_000)));
    expect(countContextTokens(large)).toBeGreaterThan(80_000);
    expect(needsCompaction(large, settings)).toBe(true);
  });

  it('never asks for compaction when maxTokens is negative', async () => {
    const store = new MemoryStore();
    const context = await store.readContext(await seed(store, largeHistory(10, 50)));
    expect(needsCompaction(context, resolveCompactionSettings({ maxTokens: 10, keepTail: 2 }))).toBe(true);
    expect(needsCompaction(context, resolveCompactionSettings({ maxTokens: -1, keepTail: 2 }))).toBe(false);
  });

  it('is false when no cut keeps keepTail messages, however large the context', async () => {
    const store = new MemoryStore();
    const context = await store.readContext(await seed(store, largeHistory(3, 50)));
    expect(needsCompaction(context, resolveCompactionSettings({ maxTokens: 10, keepTail: 6 }))).toBe(false);
  });

  it('trusts the provider-reported input tokens when there are some', async () => {
    const store = new MemoryStore();
    const sessionId = await seed(store, largeHistory(6, 10));
    const settings = resolveCompactionSettings({ keepTail: 2 });
    expect(needsCompaction(await store.readContext(sessionId), settings)).toBe(false);

    const session = await store.getSession(sessionId);
    await store.updateSession(sessionId, {
      runtime: { lastInputTokens: 90_000, lastInputTokensSeq: session!.lastSeq },
    });
    expect(needsCompaction(await store.readContext(sessionId), settings)).toBe(true);

    // A compaction written after that call makes the figure stale: back to the estimate.
    await store.appendEvents({
      sessionId,
      events: [{ type: 'compaction', turn: 6, data: { summary: 'short', throughSeq: 16 } }],
    });
    expect(needsCompaction(await store.readContext(sessionId), settings)).toBe(false);
  });
});
