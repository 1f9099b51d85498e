import { ConfabError, type Pool, type SessionRecord } from 'confab';
import type { SessionStore } from 'confab/store';

/**
 * The per-app quota on stored sessions (`limits.maxSessionsPerApp`). It reads the store's count,
 * so every process sharing a store enforces one quota for the deployment, not one per process.
 * Concurrent creations in several processes can each pass the check and overshoot the quota by
 * as many as raced; it never undershoots.
 */
export class SessionQuota {
  constructor(
    private readonly store: SessionStore,
    private readonly pool: Pool,
    /** Sessions one app may hold; 0: no quota. */
    private readonly maxPerApp: number,
  ) {}

  /** Throws `quota_exceeded` (429) when `appId` holds `maxPerApp` sessions or more. */
  async check(appId: string): Promise<void> {
    if (this.maxPerApp <= 0) return;
    const count = await this.store.countSessions(appId);
    if (count < this.maxPerApp) return;
    throw new ConfabError(
      'quota_exceeded',
      `app ${appId} holds ${count} sessions, at its quota of ${this.maxPerApp}; delete sessions to create more`,
      { details: { limit: this.maxPerApp, count } },
    );
  }

  /**
   * Runs `create` when the app is under its quota. A request that may find an existing session
   * instead (`mayReuse`: a `clientSessionId`, a channel resolve) still gets that session at the
   * quota: it runs, and a session it did create after all is deleted again before the refusal.
   */
  async admit<Result extends { session: SessionRecord; created: boolean }>(
    appId: string,
    mayReuse: boolean,
    create: () => Promise<Result>,
  ): Promise<Result> {
    try {
      await this.check(appId);
    } catch (error) {
      if (!mayReuse) throw error;
      const result = await create();
      if (!result.created) return result;
      await this.pool.deleteSession(result.session.id, { appId });
      throw error;
    }
    return create();
  }
}
