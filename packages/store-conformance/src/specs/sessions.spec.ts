import { describe, expect } from 'vitest';
import { APP_A, APP_B, conformanceTest, createSession, expectCode } from '../fixtures.js';
import type { ConformanceContext } from '../harness.js';

/** Session creation, defaults, idempotency, optimistic updates, archive and close. */
export function sessionsSpec(context: ConformanceContext): void {
  describe('sessions', () => {
    conformanceTest(context, 'a fresh session has every field, absent ones null', async () => {
      const session = await createSession(context.store);
      expect(session).toMatchObject({
        appId: APP_A,
        clientSessionId: null,
        channel: null,
        title: null,
        agent: null,
        model: null,
        status: 'active',
        meta: {},
        state: {},
        stateVersion: 0,
        turnCount: 0,
        lastTurnAt: null,
        closedAt: null,
        parent: null,
        lastSeq: 0,
        version: 1,
        pendingInterrupt: false,
        compactionSeq: null,
        lastSnapshotId: null,
        inheritsFrom: null,
      });
      expect(session.id).toMatch(/\S+/);
      expect(Date.parse(session.createdAt)).not.toBeNaN();
      expect(await context.store.getSession(session.id)).toEqual(session);
    });

    conformanceTest(context, "the store keeps its own copy of the caller's objects", async () => {
      const meta = { nested: { value: 1 } };
      const session = await createSession(context.store, APP_A, { meta });
      meta.nested.value = 2;
      expect((await context.store.getSession(session.id))?.meta).toEqual({ nested: { value: 1 } });
    });

    conformanceTest(context, 'getSession of a missing id is null', async () => {
      expect(await context.store.getSession('ses_missing')).toBeNull();
    });

    conformanceTest(context, 'clientSessionId makes creation idempotent within an app', async () => {
      const first = await context.store.createSession({ appId: APP_A, clientSessionId: 'chat-1', title: 'one' });
      const second = await context.store.createSession({ appId: APP_A, clientSessionId: 'chat-1', title: 'two' });
      const other = await context.store.createSession({ appId: APP_B, clientSessionId: 'chat-1' });
      expect(first.created).toBe(true);
      expect(second.created).toBe(false);
      expect(second.session.id).toBe(first.session.id);
      expect(second.session.title).toBe('one');
      expect(other.created).toBe(true);
      expect(other.session.id).not.toBe(first.session.id);
    });

    conformanceTest(context, '20 concurrent creates with one clientSessionId yield one session', async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, () => context.store.createSession({ appId: APP_A, clientSessionId: 'race' })),
      );
      expect(new Set(results.map((result) => result.session.id)).size).toBe(1);
      expect(results.filter((result) => result.created)).toHaveLength(1);
    });

    conformanceTest(context, 'updateSession applies the patch and bumps the version', async () => {
      const session = await createSession(context.store);
      const updated = await context.store.updateSession(session.id, { title: 'hello', meta: { a: 1 } });
      expect(updated).toMatchObject({ title: 'hello', meta: { a: 1 }, version: session.version + 1 });
      expect(await context.store.getSession(session.id)).toEqual(updated);
    });

    conformanceTest(context, 'a stale expectedVersion is a conflict and changes nothing', async () => {
      const session = await createSession(context.store);
      await context.store.updateSession(session.id, { title: 'first' }, { expectedVersion: session.version });
      await expectCode(
        context.store.updateSession(session.id, { title: 'second' }, { expectedVersion: session.version }),
        'conflict',
      );
      expect((await context.store.getSession(session.id))?.title).toBe('first');
    });

    conformanceTest(context, 'updateSession refuses unknown fields and missing sessions', async () => {
      const session = await createSession(context.store);
      await expectCode(context.store.updateSession(session.id, { status: 'closed' } as never), 'invalid_argument');
      await expectCode(context.store.updateSession('ses_missing', { title: 'x' }), 'not_found');
    });

    conformanceTest(context, 'close is idempotent and archive keeps the session readable', async () => {
      const session = await createSession(context.store);
      const archived = await context.store.archiveSession(session.id);
      expect(archived.status).toBe('archived');
      expect(archived.archivedAt).not.toBeNull();
      expect((await context.store.archiveSession(session.id)).status).toBe('archived');
      const first = await context.store.closeSession(session.id);
      const second = await context.store.closeSession(session.id);
      expect(first.alreadyClosed).toBe(false);
      expect(first.session.status).toBe('closed');
      expect(first.session.closedAt).not.toBeNull();
      expect(second.alreadyClosed).toBe(true);
      expect(second.session.closedAt).toBe(first.session.closedAt);
      await expectCode(context.store.archiveSession(session.id), 'session_closed');
      await expectCode(context.store.closeSession('ses_missing'), 'not_found');
    });
  });
}
