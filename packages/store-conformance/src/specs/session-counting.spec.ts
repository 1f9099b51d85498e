import { describe, expect } from 'vitest';
import { APP_A, APP_B, conformanceTest, createSession } from '../fixtures.js';
import type { ConformanceContext } from '../harness.js';

/** `countSessions`: what the per-app session quota reads. */
export function sessionCountingSpec(context: ConformanceContext): void {
  describe('counting an app’s sessions', () => {
    conformanceTest(context, 'counts every stored session of the app, whatever its status, until deleted', async () => {
      const { store } = context;
      expect(await store.countSessions(APP_A)).toBe(0);
      const first = await createSession(store);
      const second = await createSession(store, APP_A, { channel: 'support' });
      const third = await createSession(store);
      await createSession(store, APP_B);
      // The same clientSessionId twice is one session.
      await createSession(store, APP_A, { clientSessionId: 'client-1' });
      await createSession(store, APP_A, { clientSessionId: 'client-1' });
      expect(await store.countSessions(APP_A)).toBe(4);
      expect(await store.countSessions(APP_B)).toBe(1);
      await store.closeSession(second.id);
      await store.archiveSession(third.id);
      expect(await store.countSessions(APP_A)).toBe(4);
      expect(await store.deleteSession(first.id)).toBe(true);
      expect(await store.countSessions(APP_A)).toBe(3);
      expect(await store.countSessions('app_unknown')).toBe(0);
    });
  });
}
