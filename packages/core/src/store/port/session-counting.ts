/**
 * Counting an app's sessions, part of {@link SessionStore}: what a per-app quota on stored
 * sessions reads. Every process of a deployment sharing the store sees the same count.
 */
export interface SessionCounting {
  /**
   * How many sessions of `appId` are stored, whatever their status (closed and archived ones
   * included; hard-deleted ones are gone). One indexed count, cheap enough to read on every
   * session creation; 0 for an unknown app.
   */
  countSessions(appId: string): Promise<number>;
}
