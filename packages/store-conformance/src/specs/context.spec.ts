import { describe, expect } from 'vitest';
import { APP_A, conformanceTest, createSession, messages, testId } from '../fixtures.js';
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
  });
}
