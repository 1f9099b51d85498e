import { describe, expect } from 'vitest';
import { APP_A, APP_B, conformanceTest, createSession, expectCode } from '../fixtures.js';
import type { ConformanceContext } from '../harness.js';

/** Channels: atomic resolve, rotate, one active session per channel and app. */
export function channelsSpec(context: ConformanceContext): void {
  describe('channels', () => {
    conformanceTest(context, 'resolve creates once, then returns the active session', async () => {
      const first = await context.store.resolveChannel(APP_A, 'dm:42', { agent: 'helper' });
      const second = await context.store.resolveChannel(APP_A, 'dm:42');
      expect(first.created).toBe(true);
      expect(first.session).toMatchObject({ channel: 'dm:42', agent: 'helper', status: 'active' });
      expect(second.created).toBe(false);
      expect(second.session.id).toBe(first.session.id);
    });

    conformanceTest(context, '100 concurrent resolves of one new channel yield one session', async () => {
      const results = await Promise.all(
        Array.from({ length: 100 }, () => context.store.resolveChannel(APP_A, 'burst')),
      );
      expect(new Set(results.map((result) => result.session.id)).size).toBe(1);
      expect(results.filter((result) => result.created)).toHaveLength(1);
    });

    conformanceTest(context, 'rotate archives the active session and creates a new one', async () => {
      const { session: first } = await context.store.resolveChannel(APP_A, 'room');
      const rotated = await context.store.rotateChannel(APP_A, 'room');
      expect(rotated.archived?.id).toBe(first.id);
      expect(rotated.archived?.status).toBe('archived');
      expect(rotated.session.id).not.toBe(first.id);
      expect((await context.store.resolveChannel(APP_A, 'room')).session.id).toBe(rotated.session.id);
      const fresh = await context.store.rotateChannel(APP_A, 'empty-room');
      expect(fresh.archived).toBeNull();
    });

    conformanceTest(
      context,
      'a used clientSessionId makes resolve and rotate fail without changing anything',
      async () => {
        await createSession(context.store, APP_A, { clientSessionId: 'taken' });
        await expectCode(context.store.resolveChannel(APP_A, 'new-room', { clientSessionId: 'taken' }), 'conflict');
        const { session: active } = await context.store.resolveChannel(APP_A, 'room');
        await expectCode(context.store.rotateChannel(APP_A, 'room', { clientSessionId: 'taken' }), 'conflict');
        expect((await context.store.getSession(active.id))?.status).toBe('active');
        expect((await context.store.listSessions({ appId: APP_A, channel: 'new-room' })).sessions).toEqual([]);
      },
    );

    conformanceTest(context, 'channels are per app, and one active session per channel', async () => {
      const mine = await context.store.resolveChannel(APP_A, 'shared-name');
      const theirs = await context.store.resolveChannel(APP_B, 'shared-name');
      expect(theirs.session.id).not.toBe(mine.session.id);
      await expectCode(createSession(context.store, APP_A, { channel: 'shared-name' }), 'conflict');
      await context.store.archiveSession(mine.session.id);
      const again = await createSession(context.store, APP_A, { channel: 'shared-name' });
      expect((await context.store.resolveChannel(APP_A, 'shared-name')).session.id).toBe(again.id);
    });
  });
}
