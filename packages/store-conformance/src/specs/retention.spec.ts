import { describe, expect } from 'vitest';
import { conformanceTest, createSession, messages } from '../fixtures.js';
import type { ConformanceContext } from '../harness.js';

const inOneMinute = () => new Date(Date.now() + 60_000).toISOString();
const aMinuteAgo = () => new Date(Date.now() - 60_000).toISOString();

/** The retention sweep: close the idle, delete the long closed, spare pending interrupts. */
export function retentionSpec(context: ConformanceContext): void {
  describe('retention', () => {
    conformanceTest(context, 'sweep closes idle sessions but spares pending interrupts unless forced', async () => {
      const idle = await createSession(context.store);
      const waiting = await createSession(context.store);
      await context.store.updateSession(waiting.id, { pendingInterrupt: true });
      const untouched = await context.store.sweep({ closeIdleBefore: aMinuteAgo() });
      expect(untouched.closed).toEqual([]);
      const first = await context.store.sweep({ closeIdleBefore: inOneMinute() });
      expect(first.closed.map((session) => session.id)).toEqual([idle.id]);
      expect(first.closed[0]?.status).toBe('closed');
      expect((await context.store.getSession(idle.id))?.status).toBe('closed');
      expect((await context.store.getSession(waiting.id))?.status).toBe('active');
      const forced = await context.store.sweep({ closeIdleBefore: inOneMinute(), force: true });
      expect(forced.closed.map((session) => session.id)).toEqual([waiting.id]);
    });

    conformanceTest(context, 'sweep hard-deletes sessions closed before the grace limit', async () => {
      const closed = await createSession(context.store);
      await context.store.appendEvents({ sessionId: closed.id, events: messages(2) });
      await context.store.closeSession(closed.id);
      const waiting = await createSession(context.store);
      await context.store.updateSession(waiting.id, { pendingInterrupt: true });
      await context.store.closeSession(waiting.id);
      const active = await createSession(context.store);
      expect((await context.store.sweep({ deleteClosedBefore: aMinuteAgo() })).deleted).toEqual([]);
      const result = await context.store.sweep({ deleteClosedBefore: inOneMinute() });
      expect(result.deleted.map((session) => session.id)).toEqual([closed.id]);
      expect(await context.store.getSession(closed.id)).toBeNull();
      expect(await context.store.getSession(waiting.id)).not.toBeNull();
      expect(await context.store.getSession(active.id)).not.toBeNull();
      const forced = await context.store.sweep({ deleteClosedBefore: inOneMinute(), force: true });
      expect(forced.deleted.map((session) => session.id)).toEqual([waiting.id]);
    });
  });
}
