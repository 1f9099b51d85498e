import type { ListSessionsQuery, SessionStore } from 'confab/store';
import { describe, expect } from 'vitest';
import { APP_A, APP_B, conformanceTest, createSession, expectCode, messages, testId } from '../fixtures.js';
import type { ConformanceContext } from '../harness.js';

/** A fork of `sessionId` at a fresh snapshot of it. */
async function forkOf(store: SessionStore, sessionId: string, appId = APP_A) {
  const snapshotId = testId('snap');
  await store.appendEvents({ sessionId, events: messages(1, 1), snapshot: { id: snapshotId } });
  return store.forkSession({ sessionId, appId, snapshotId });
}

/** `listSessions`'s `search` (title, id, clientSessionId) and `parentId` filters, with paging. */
export function listFiltersSpec(context: ConformanceContext): void {
  const ids = async (query: Omit<ListSessionsQuery, 'appId' | 'cursor'>, appId = APP_A) => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await context.store.listSessions({ appId, ...query, cursor });
      seen.push(...page.sessions.map((session) => session.id));
      cursor = page.nextCursor;
    } while (cursor);
    return seen.sort();
  };

  describe('listing filters', () => {
    conformanceTest(context, 'search finds sessions by title, id or clientSessionId, ASCII case ignored', async () => {
      const byTitle = await createSession(context.store, APP_A, { title: 'Quarterly Report draft' });
      const byClientId = await createSession(context.store, APP_A, { clientSessionId: 'CHAT-report-7' });
      const other = await createSession(context.store, APP_A, { title: 'lunch plans' });
      await createSession(context.store, APP_B, { title: 'report of app b' });
      expect(await ids({ search: 'report' })).toEqual([byTitle.id, byClientId.id].sort());
      expect(await ids({ search: '  REPORT ' })).toEqual([byTitle.id, byClientId.id].sort());
      expect(await ids({ search: 'chat-REPORT' })).toEqual([byClientId.id]);
      expect(await ids({ search: other.id.slice(-10).toUpperCase() })).toEqual([other.id]);
      expect(await ids({ search: other.id })).toEqual([other.id]);
      expect(await ids({ search: 'nothing like it' })).toEqual([]);
      expect(await ids({ search: '   ' })).toHaveLength(3);
      expect(await ids({ search: null })).toHaveLength(3);
    });

    conformanceTest(context, 'search treats % _ and \\ as plain characters and folds only ASCII', async () => {
      const percent = await createSession(context.store, APP_A, { title: '100% done' });
      const underscore = await createSession(context.store, APP_A, { title: 'snake_case' });
      const backslash = await createSession(context.store, APP_A, { title: 'C:\\temp' });
      const accented = await createSession(context.store, APP_A, { title: 'Éclair café' });
      await createSession(context.store, APP_A, { title: '100 points, snakeXcase, C:temp' });
      expect(await ids({ search: '0%' })).toEqual([percent.id]);
      expect(await ids({ search: 'e_c' })).toEqual([underscore.id]);
      expect(await ids({ search: ':\\t' })).toEqual([backslash.id]);
      expect(await ids({ search: 'CAFé' })).toEqual([accented.id]);
      expect(await ids({ search: 'ÉCLAIR' })).toEqual([accented.id]);
      // Only ASCII letters fold: É and é are different characters to every store.
      expect(await ids({ search: 'éclair' })).toEqual([]);
      expect(await ids({ search: 'CAFÉ' })).toEqual([]);
    });

    conformanceTest(context, 'search combines with status and channel and pages without gaps', async () => {
      const wanted: string[] = [];
      for (let index = 0; index < 9; index++) {
        const session = await createSession(context.store, APP_A, { title: `needle ${index}` });
        if (index % 3 === 0) await context.store.archiveSession(session.id);
        else wanted.push(session.id);
        await createSession(context.store, APP_A, { title: `hay ${index}` });
      }
      const inRoom = await createSession(context.store, APP_A, { title: 'needle in a room', channel: 'room' });
      wanted.push(inRoom.id);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await context.store.listSessions({
          appId: APP_A,
          search: 'NEEDLE',
          status: 'active',
          limit: 2,
          cursor,
        });
        expect(page.sessions.length).toBeLessThanOrEqual(2);
        seen.push(...page.sessions.map((session) => session.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen.sort()).toEqual(wanted.sort());
      expect(await ids({ search: 'needle', channel: 'room' })).toEqual([inRoom.id]);
    });

    conformanceTest(context, 'a search longer than 256 characters is invalid_argument', async () => {
      await expectCode(context.store.listSessions({ appId: APP_A, search: 'x'.repeat(257) }), 'invalid_argument');
      await expect(context.store.listSessions({ appId: APP_A, search: 'x'.repeat(256) })).resolves.toMatchObject({
        sessions: [],
      });
    });

    conformanceTest(context, 'parentId lists the forks of one session, not their forks, in its app only', async () => {
      const root = await createSession(context.store);
      const first = await forkOf(context.store, root.id);
      const second = await forkOf(context.store, root.id);
      const grandchild = await forkOf(context.store, first.id);
      await createSession(context.store);
      expect(await ids({ parentId: root.id })).toEqual([first.id, second.id].sort());
      expect(await ids({ parentId: first.id })).toEqual([grandchild.id]);
      expect(await ids({ parentId: grandchild.id })).toEqual([]);
      expect(await ids({ parentId: root.id }, APP_B)).toEqual([]);
      await context.store.archiveSession(second.id);
      expect(await ids({ parentId: root.id, status: 'active' })).toEqual([first.id]);
      const page = await context.store.listSessions({ appId: APP_A, parentId: root.id, limit: 1 });
      expect(page.sessions).toHaveLength(1);
      expect(page.nextCursor).not.toBeNull();
    });
  });
}
