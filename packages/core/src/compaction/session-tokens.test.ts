import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../store/memory/memory-store.js';
import { countContextTokens, estimateSummaryTokens } from './session-tokens.js';
import { HistoryBuilder } from './test-history.js';
import { estimateEventTokens } from './token-estimate.js';

async function seed(store: MemoryStore, history: HistoryBuilder): Promise<string> {
  const { session } = await store.createSession({ appId: 'app_1' });
  await store.appendEvents({ sessionId: session.id, events: history.events, update: { turnCount: history.turn } });
  return session.id;
}

describe('countContextTokens', () => {
  it('estimates the whole context when the provider reported nothing', async () => {
    const store = new MemoryStore();
    const sessionId = await seed(store, new HistoryBuilder().chat('hello world', 'hi there').chat('more', 'sure'));
    const context = await store.readContext(sessionId);
    expect(countContextTokens(context)).toBe(estimateEventTokens(context.events));
    expect(countContextTokens(context)).toBeGreaterThan(0);
  });

  it('uses the provider figure plus an estimate of the events written after it', async () => {
    const store = new MemoryStore();
    const sessionId = await seed(store, new HistoryBuilder().chat('hello world', 'hi there').chat('more', 'sure'));
    // The provider saw everything up to seq 6 (turn 2's input) and reported 5,000 input tokens.
    await store.updateSession(sessionId, { runtime: { lastInputTokens: 5_000, lastInputTokensSeq: 6 } });
    const context = await store.readContext(sessionId);
    const after = context.events.filter((event) => event.seq > 6);
    expect(countContextTokens(context)).toBe(5_000 + estimateEventTokens(after));
  });

  it('ignores the provider figure once a compaction was written after it', async () => {
    const store = new MemoryStore();
    const history = new HistoryBuilder().chat('hello world', 'hi there').chat('more', 'sure');
    const sessionId = await seed(store, history);
    await store.updateSession(sessionId, { runtime: { lastInputTokens: 5_000, lastInputTokensSeq: 8 } });
    await store.appendEvents({
      sessionId,
      events: [{ type: 'compaction', turn: 2, data: { summary: 'They greeted each other.', throughSeq: 4 } }],
    });
    const context = await store.readContext(sessionId);
    expect(countContextTokens(context)).toBe(
      estimateSummaryTokens('They greeted each other.') + estimateEventTokens(context.events),
    );
    expect(countContextTokens(context)).toBeLessThan(100);
  });

  it('ignores a provider figure that points past the session head', async () => {
    const store = new MemoryStore();
    const sessionId = await seed(store, new HistoryBuilder().chat('hello world', 'hi there'));
    await store.updateSession(sessionId, { runtime: { lastInputTokens: 5_000, lastInputTokensSeq: 99 } });
    const context = await store.readContext(sessionId);
    expect(countContextTokens(context)).toBe(estimateEventTokens(context.events));
  });
});
