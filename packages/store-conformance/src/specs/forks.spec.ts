import type { SessionStore } from 'confab/store';
import { describe, expect } from 'vitest';
import { APP_A, APP_B, conformanceTest, createSession, expectCode, messages, readAll, testId } from '../fixtures.js';
import type { ConformanceContext } from '../harness.js';

/** Appends `count` messages tagged `tag` and takes a snapshot at their end; returns its id. */
async function turnWithSnapshot(store: SessionStore, sessionId: string, tag: string, count: number, turn: number) {
  const id = testId('snap');
  await store.appendEvents({
    sessionId,
    events: messages(count, turn, tag),
    update: { state: { last: tag }, stateVersion: turn, turnCount: turn },
    snapshot: { id },
  });
  return id;
}

const texts = (events: Awaited<ReturnType<typeof readAll>>) =>
  events.map((event) => (event.type === 'message' ? event.data.text : event.type));

/** Copy-on-write forks: shared history, own continuation, deletion of ancestors. */
export function forksSpec(context: ConformanceContext): void {
  describe('forks', () => {
    conformanceTest(context, 'a fork reads the parent history up to the snapshot, then its own', async () => {
      const parent = await createSession(context.store);
      const snapshotId = await turnWithSnapshot(context.store, parent.id, 'p1-', 2, 1);
      await turnWithSnapshot(context.store, parent.id, 'p2-', 2, 2);
      const fork = await context.store.forkSession({ sessionId: parent.id, appId: APP_A, snapshotId });
      expect(fork).toMatchObject({
        parent: { sessionId: parent.id, seq: 2, snapshotId },
        lastSeq: 2,
        state: { last: 'p1-' },
        stateVersion: 1,
        turnCount: 1,
        lastSnapshotId: snapshotId,
        status: 'active',
      });
      const appended = await context.store.appendEvents({ sessionId: fork.id, events: messages(1, 2, 'f-') });
      expect(appended.events[0]?.seq).toBe(3);
      const events = await readAll(context.store, fork.id);
      expect(texts(events)).toEqual(['p1- 0', 'p1- 1', 'f- 0']);
      expect(events.map((event) => event.seq)).toEqual([1, 2, 3]);
      expect(events.every((event) => event.sessionId === fork.id)).toBe(true);
      expect(texts(await readAll(context.store, parent.id))).toEqual(['p1- 0', 'p1- 1', 'p2- 0', 'p2- 1']);
      const paged = await context.store.readEvents(fork.id, { after: 1, limit: 1 });
      expect(texts(paged.events)).toEqual(['p1- 1']);
      expect(paged.nextAfter).toBe(2);
    });

    conformanceTest(context, 'a fork of a fork reads the right history', async () => {
      const root = await createSession(context.store);
      const rootSnapshot = await turnWithSnapshot(context.store, root.id, 'r-', 2, 1);
      await turnWithSnapshot(context.store, root.id, 'r-late-', 1, 2);
      const child = await context.store.forkSession({ sessionId: root.id, appId: APP_A, snapshotId: rootSnapshot });
      const childSnapshot = await turnWithSnapshot(context.store, child.id, 'c-', 2, 2);
      await turnWithSnapshot(context.store, child.id, 'c-late-', 1, 3);
      const grandchild = await context.store.forkSession({
        sessionId: child.id,
        appId: APP_A,
        snapshotId: childSnapshot,
      });
      await context.store.appendEvents({ sessionId: grandchild.id, events: messages(1, 3, 'g-') });
      expect(texts(await readAll(context.store, grandchild.id))).toEqual(['r- 0', 'r- 1', 'c- 0', 'c- 1', 'g- 0']);
      expect((await readAll(context.store, grandchild.id)).map((event) => event.seq)).toEqual([1, 2, 3, 4, 5]);
      const snapshots = await context.store.listSnapshots(grandchild.id);
      expect(snapshots).toEqual([]);
      const taken = await turnWithSnapshot(context.store, grandchild.id, 'g2-', 1, 4);
      expect((await context.store.getSnapshot(taken))?.parentSnapshotId).toBe(childSnapshot);
    });

    conformanceTest(context, 'fork defaults to the latest snapshot, else the head', async () => {
      const parent = await createSession(context.store);
      await context.store.appendEvents({ sessionId: parent.id, events: messages(2) });
      const atHead = await context.store.forkSession({ sessionId: parent.id, appId: APP_A });
      expect(atHead.parent).toEqual({ sessionId: parent.id, seq: 2, snapshotId: null });
      const latest = await turnWithSnapshot(context.store, parent.id, 'x-', 1, 1);
      await context.store.appendEvents({ sessionId: parent.id, events: messages(1, 2, 'after-') });
      const atLatest = await context.store.forkSession({ sessionId: parent.id, appId: APP_A });
      expect(atLatest.parent).toEqual({ sessionId: parent.id, seq: 3, snapshotId: latest });
      const ofFork = await context.store.forkSession({ sessionId: atLatest.id, appId: APP_A });
      expect(ofFork.parent).toEqual({ sessionId: atLatest.id, seq: 3, snapshotId: null });
      expect((await readAll(context.store, ofFork.id)).map((event) => event.seq)).toEqual([1, 2, 3]);
      const empty = await createSession(context.store);
      const ofEmpty = await context.store.forkSession({ sessionId: empty.id, appId: APP_A });
      expect(await readAll(context.store, ofEmpty.id)).toEqual([]);
    });

    conformanceTest(context, 'forks of another app, or of a foreign snapshot, are not found', async () => {
      const parent = await createSession(context.store, APP_A);
      const snapshotId = await turnWithSnapshot(context.store, parent.id, 'p-', 1, 1);
      const other = await createSession(context.store, APP_A);
      await expectCode(context.store.forkSession({ sessionId: parent.id, appId: APP_B }), 'not_found');
      await expectCode(context.store.forkSession({ sessionId: other.id, appId: APP_A, snapshotId }), 'not_found');
      await expectCode(
        context.store.forkSession({ sessionId: parent.id, appId: APP_A, snapshotId: 'snap_missing' }),
        'not_found',
      );
    });

    conformanceTest(context, 'deleting an ancestor keeps its forks readable', async () => {
      const root = await createSession(context.store);
      const rootSnapshot = await turnWithSnapshot(context.store, root.id, 'r-', 2, 1);
      const child = await context.store.forkSession({ sessionId: root.id, appId: APP_A, snapshotId: rootSnapshot });
      const childSnapshot = await turnWithSnapshot(context.store, child.id, 'c-', 2, 2);
      const grandchild = await context.store.forkSession({
        sessionId: child.id,
        appId: APP_A,
        snapshotId: childSnapshot,
      });
      await context.store.appendEvents({ sessionId: grandchild.id, events: messages(1, 3, 'g-') });
      expect(await context.store.deleteSession(child.id)).toBe(true);
      const expected = ['r- 0', 'r- 1', 'c- 0', 'c- 1', 'g- 0'];
      expect(texts(await readAll(context.store, grandchild.id))).toEqual(expected);
      expect(await context.store.deleteSession(root.id)).toBe(true);
      expect(texts(await readAll(context.store, grandchild.id))).toEqual(expected);
      expect((await readAll(context.store, grandchild.id)).map((event) => event.seq)).toEqual([1, 2, 3, 4, 5]);
      await context.store.appendEvents({ sessionId: grandchild.id, events: messages(1, 4, 'g2-') });
      expect((await readAll(context.store, grandchild.id)).map((event) => event.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    });
  });
}
