import { describe, expect } from 'vitest';
import { APP_A, APP_B, conformanceTest, createSession, lease, messages, testId } from '../fixtures.js';
import type { ConformanceContext } from '../harness.js';

/** Snapshots taken with a turn's last append. */
export function snapshotsSpec(context: ConformanceContext): void {
  describe('snapshots', () => {
    conformanceTest(context, 'a snapshot points at the batch end, records state, chains to the previous', async () => {
      const session = await createSession(context.store);
      const held = await lease(context.store, session.id);
      const firstId = testId('snap');
      const first = await context.store.appendEvents({
        sessionId: session.id,
        lease: held,
        events: messages(3),
        update: { state: { count: 1 }, stateVersion: 1 },
        snapshot: { id: firstId },
      });
      expect(first.session.lastSnapshotId).toBe(firstId);
      const secondId = testId('snap');
      await context.store.appendEvents({
        sessionId: session.id,
        lease: held,
        events: messages(2, 2),
        update: { state: { count: 2 }, stateVersion: 2 },
        snapshot: { id: secondId },
      });
      const snapshot = await context.store.getSnapshot(firstId);
      expect(snapshot).toMatchObject({
        id: firstId,
        sessionId: session.id,
        seq: 3,
        turn: 1,
        stateVersion: 1,
        parentSnapshotId: null,
        state: { count: 1 },
      });
      const list = await context.store.listSnapshots(session.id);
      expect(list.map((entry) => [entry.id, entry.seq, entry.parentSnapshotId])).toEqual([
        [firstId, 3, null],
        [secondId, 5, firstId],
      ]);
      expect(list[0]).not.toHaveProperty('state');
    });

    conformanceTest(context, 'snapshots are scoped to their app', async () => {
      const session = await createSession(context.store, APP_A);
      const id = testId('snap');
      await context.store.appendEvents({ sessionId: session.id, events: messages(1), snapshot: { id } });
      expect(await context.store.getSnapshot(id, { appId: APP_A })).not.toBeNull();
      expect(await context.store.getSnapshot(id, { appId: APP_B })).toBeNull();
      expect(await context.store.getSnapshot('snap_missing')).toBeNull();
    });
  });
}
