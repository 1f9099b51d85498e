import { errors } from '../../errors.js';
import type { Lease } from '../../model/records.js';
import { isLeaseLive } from '../kit/session-record.js';
import type { LeaseAcquisition } from '../port/commit-folding.js';

/**
 * One session's lease in `MemoryStore`, with the fencing counter and what `acquireLeaseReporting`
 * needs to tell how the previous lease ended. It hands out its own records; the store copies them.
 */
export class MemoryLeaseHolder {
  private lease: Lease | null = null;
  private counter = 0;
  /** False from acquisition until release: an unreleased lease that expired was abandoned. */
  private released = false;

  /** The lease as last written, expired or not (`checkAppend` judges expiry itself). */
  get current(): Lease | null {
    return this.lease;
  }

  /** The current lease when it has not expired at `now`, else null. */
  live(now: Date): Lease | null {
    return isLeaseLive(this.lease, now) ? this.lease : null;
  }

  acquire(sessionId: string, owner: string, ttlMs: number, now: Date): LeaseAcquisition | null {
    if (isLeaseLive(this.lease, now)) return null;
    const previous = this.counter === 0 ? 'none' : this.released ? 'released' : 'expired';
    this.counter++;
    this.released = false;
    this.lease = { sessionId, owner, token: this.counter, expiresAt: new Date(now.getTime() + ttlMs).toISOString() };
    return { lease: this.lease, previous };
  }

  /** Extends `lease` by `ttlMs` from `now`; `conflict` when it was lost or has expired. */
  renew(lease: Lease, ttlMs: number, now: Date): Lease {
    const current = this.lease;
    if (!isLeaseLive(current, now) || current.token !== lease.token || current.owner !== lease.owner) {
      throw errors.conflict(`lease ${lease.token} on session ${lease.sessionId} was lost`);
    }
    this.lease = { ...current, expiresAt: new Date(now.getTime() + ttlMs).toISOString() };
    return this.lease;
  }

  /** Gives `lease` up when it is still the current one (expired or not); a no-op otherwise. */
  release(lease: Lease): void {
    if (this.lease?.token === lease.token && this.lease.owner === lease.owner) this.drop();
  }

  /** Gives the current lease up, for a caller that has proved it holds it. */
  drop(): void {
    this.lease = null;
    this.released = true;
  }
}
