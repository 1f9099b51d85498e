import type { SessionRecord } from 'confab';
import { describe, expect } from 'vitest';
import { APP_A, APP_B, conformanceTest, createSession, expectCode, sleep } from '../fixtures.js';
import type { ConformanceContext } from '../harness.js';

/** `listSessions`: order, filters, limits and keyset cursors. */
export function listingSpec(context: ConformanceContext): void {
  const listAll = async (query: Omit<Parameters<typeof context.store.listSessions>[0], 'cursor'>) => {
    const seen: SessionRecord[] = [];
    let cursor: string | null = null;
    do {
      const page = await context.store.listSessions({ ...query, cursor });
      seen.push(...page.sessions);
      cursor = page.nextCursor;
    } while (cursor);
    return seen;
  };

  describe('listing', () => {
    conformanceTest(context, 'lists newest activity first, one app only', async () => {
      const first = await createSession(context.store);
      const second = await createSession(context.store);
      await createSession(context.store, APP_B);
      // Activity is ordered by timestamp; let the clock move so the update is strictly newer.
      await sleep(5);
      await context.store.updateSession(first.id, { title: 'touched' });
      const { sessions, nextCursor } = await context.store.listSessions({ appId: APP_A });
      expect(sessions.map((session) => session.id)).toEqual([first.id, second.id]);
      expect(nextCursor).toBeNull();
    });

    conformanceTest(context, 'filters by status and channel', async () => {
      const open = await createSession(context.store, APP_A, { channel: 'room-1' });
      const archived = await createSession(context.store, APP_A, { channel: 'room-2' });
      const closed = await createSession(context.store);
      await context.store.archiveSession(archived.id);
      await context.store.closeSession(closed.id);
      const ids = async (query: object) =>
        (await context.store.listSessions({ appId: APP_A, ...query })).sessions.map((session) => session.id).sort();
      expect(await ids({ status: 'active' })).toEqual([open.id]);
      expect(await ids({ status: 'archived' })).toEqual([archived.id]);
      expect(await ids({ status: 'closed' })).toEqual([closed.id]);
      expect(await ids({ status: 'all' })).toEqual([open.id, archived.id, closed.id].sort());
      expect(await ids({ channel: 'room-2' })).toEqual([archived.id]);
    });

    conformanceTest(context, 'a limit above the maximum is capped at 200', async () => {
      for (let index = 0; index < 205; index++) await createSession(context.store);
      const page = await context.store.listSessions({ appId: APP_A, limit: 5000 });
      expect(page.sessions).toHaveLength(200);
      expect(page.nextCursor).not.toBeNull();
      const rest = await context.store.listSessions({ appId: APP_A, cursor: page.nextCursor });
      expect(rest.sessions).toHaveLength(5);
      expect(rest.nextCursor).toBeNull();
    });

    conformanceTest(context, 'cursor pages neither skip nor repeat under concurrent inserts', async () => {
      const original: string[] = [];
      for (let index = 0; index < 30; index++) original.push((await createSession(context.store)).id);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await context.store.listSessions({ appId: APP_A, limit: 7, cursor });
        seen.push(...page.sessions.map((session) => session.id));
        cursor = page.nextCursor;
        await Promise.all([createSession(context.store), createSession(context.store)]);
      } while (cursor);
      const fromOriginal = seen.filter((id) => original.includes(id));
      expect(new Set(seen).size).toBe(seen.length);
      expect(fromOriginal.sort()).toEqual([...original].sort());
    });

    conformanceTest(context, 'walking all pages returns each session once, in order', async () => {
      for (let index = 0; index < 12; index++) await createSession(context.store);
      const all = await listAll({ appId: APP_A, limit: 5 });
      expect(all).toHaveLength(12);
      for (let index = 1; index < all.length; index++) {
        const previous = all[index - 1] as SessionRecord;
        const current = all[index] as SessionRecord;
        const ordered =
          previous.lastActivityAt > current.lastActivityAt ||
          (previous.lastActivityAt === current.lastActivityAt && previous.id > current.id);
        expect(ordered).toBe(true);
      }
    });

    conformanceTest(context, 'a malformed cursor or limit is invalid_argument', async () => {
      await expectCode(context.store.listSessions({ appId: APP_A, cursor: '%%%not-a-cursor' }), 'invalid_argument');
      await expectCode(context.store.listSessions({ appId: APP_A, limit: 0 }), 'invalid_argument');
      await expectCode(context.store.listSessions({ appId: APP_A, status: 'deleted' as never }), 'invalid_argument');
    });
  });
}
