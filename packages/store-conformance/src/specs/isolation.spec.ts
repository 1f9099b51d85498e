import { describe, expect } from 'vitest';
import { APP_A, APP_B, conformanceTest, createSession } from '../fixtures.js';
import type { ConformanceContext } from '../harness.js';

/** Another app's ids are invisible wherever a scope is given. */
export function isolationSpec(context: ConformanceContext): void {
  describe('isolation', () => {
    conformanceTest(context, "another app's sessions are invisible", async () => {
      const mine = await createSession(context.store, APP_A, { clientSessionId: 'same', channel: 'same' });
      const theirs = await createSession(context.store, APP_B, { clientSessionId: 'same', channel: 'same' });
      expect(mine.id).not.toBe(theirs.id);
      expect(await context.store.getSession(theirs.id, { appId: APP_A })).toBeNull();
      expect((await context.store.getSession(mine.id, { appId: APP_A }))?.id).toBe(mine.id);
      const listed = await context.store.listSessions({ appId: APP_A, status: 'all' });
      expect(listed.sessions.map((session) => session.id)).toEqual([mine.id]);
      const byChannel = await context.store.listSessions({ appId: APP_A, channel: 'same' });
      expect(byChannel.sessions.map((session) => session.id)).toEqual([mine.id]);
      expect((await context.store.resolveChannel(APP_B, 'same')).session.id).toBe(theirs.id);
    });
  });
}
