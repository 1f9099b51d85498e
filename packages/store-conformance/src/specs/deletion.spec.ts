import { describe, expect } from 'vitest';
import { APP_A, conformanceTest, createSession, expectCode, lease, messages, testId } from '../fixtures.js';
import type { ConformanceContext } from '../harness.js';

/** Hard delete erases everything of the session. */
export function deletionSpec(context: ConformanceContext): void {
  describe('deletion', () => {
    conformanceTest(context, 'hard delete erases events, inputs, snapshots, lease and files', async () => {
      const session = await createSession(context.store, APP_A, { clientSessionId: 'to-delete' });
      const held = await lease(context.store, session.id);
      const snapshotId = testId('snap');
      await context.store.appendEvents({
        sessionId: session.id,
        lease: held,
        events: messages(3),
        snapshot: { id: snapshotId },
      });
      await context.store.enqueueInput(session.id, { text: 'queued', idempotencyKey: 'k' });
      const fileToken = testId('file');
      await context.store.putFile({
        token: fileToken,
        appId: APP_A,
        sessionId: session.id,
        mediaType: 'text/plain',
        data: new TextEncoder().encode('hi'),
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
      });
      expect(await context.store.deleteSession(session.id)).toBe(true);
      expect(await context.store.getSession(session.id)).toBeNull();
      await expectCode(context.store.readEvents(session.id), 'not_found');
      await expectCode(context.store.getInput(session.id, 'any'), 'not_found');
      await expectCode(context.store.countPendingInputs(session.id), 'not_found');
      expect(await context.store.getSnapshot(snapshotId)).toBeNull();
      expect(await context.store.getFile(APP_A, fileToken)).toBeNull();
      expect(await context.store.deleteSession(session.id)).toBe(false);
      const { sessions } = await context.store.listSessions({ appId: APP_A });
      expect(sessions.map((entry) => entry.id)).not.toContain(session.id);
      const recreated = await context.store.createSession({ appId: APP_A, clientSessionId: 'to-delete' });
      expect(recreated.created).toBe(true);
    });
  });
}
