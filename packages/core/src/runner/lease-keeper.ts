import { ConfabError } from '../errors.js';
import type { Lease } from '../model/records.js';
import type { LeaseAcquisition } from '../store/port/commit-folding.js';
import type { SessionStore } from '../store/port/session-store.js';
import { type LeaseRenewer, type RenewedLease, sharedLeaseRenewer } from './lease-renewer.js';

/**
 * Holds a session's lease for the length of a turn: has it renewed, with every other lease of the
 * process on the same store, by the shared {@link LeaseRenewer} (one commit per tick for all of
 * them, no timer per turn), and calls `onLost` when a renewal fails (the lease was lost: another
 * process may now own the session, and this one's writes will be refused by the store's fencing
 * check anyway). A callback rather than an AbortSignal of its own: every turn makes a keeper, and
 * a signal with its abort listener costs more than the rest of the keeper.
 */
export class LeaseKeeper implements RenewedLease {
  private active = true;
  private released = false;
  private readonly renewer: LeaseRenewer;

  constructor(
    private readonly store: SessionStore,
    private held: Lease,
    ttlMs: number,
    /** Called once, with a `conflict` error, when the lease is lost. */
    private readonly onLost: (reason: ConfabError) => void,
    renewer: LeaseRenewer = sharedLeaseRenewer(store, ttlMs),
  ) {
    this.renewer = renewer;
    renewer.add(this);
  }

  /** The lease as last renewed. */
  get lease(): Lease {
    return this.held;
  }

  /** For the renewer: the store extended the lease. */
  renewed(lease: Lease): void {
    this.held = lease;
  }

  /** For the renewer: the lease is gone. */
  lost(reason: ConfabError): void {
    if (!this.active) return;
    this.active = false;
    this.onLost(reason);
  }

  /**
   * Stops renewing and gives the lease up. Never throws: a lost lease needs no release. A store
   * that is briefly unreachable is retried a few times, since a lease left behind blocks the
   * session for its whole time to live.
   */
  async release(): Promise<void> {
    this.active = false;
    await this.renewer.remove(this);
    if (this.released) return;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await this.store.releaseLease(this.held);
        return;
      } catch (error) {
        if (!ConfabError.isInstance(error, 'unavailable') || Date.parse(this.held.expiresAt) <= Date.now()) return;
        await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      }
    }
  }

  /** Stops renewing a lease the store released with the holder's last write: `release` then has nothing to do. */
  markReleased(): void {
    this.active = false;
    void this.renewer.remove(this);
    this.released = true;
  }

  /**
   * Stops renewing and leaves the lease to expire without releasing it: the next holder then sees
   * it `expired` and cleans up after this one (see `CommitFolding.acquireLeaseReporting`).
   */
  abandon(): void {
    this.active = false;
    void this.renewer.remove(this);
  }
}

/**
 * Acquires a session's lease, retrying while another holder has it, until `deadline` (epoch ms).
 * Returns null when the deadline passes first or `signal` aborts. Reports how the previous lease
 * ended (`CommitFolding.acquireLeaseReporting`), so the caller cleans up only after a holder that
 * did not end cleanly.
 */
export async function acquireLeaseUntil(
  store: SessionStore,
  sessionId: string,
  owner: string,
  ttlMs: number,
  deadline: number,
  signal?: AbortSignal,
): Promise<LeaseAcquisition | null> {
  let pause = 10;
  for (;;) {
    const acquired = await store.acquireLeaseReporting(sessionId, owner, ttlMs);
    if (acquired) return acquired;
    if (signal?.aborted || Date.now() + pause > deadline) return null;
    await new Promise((resolve) => setTimeout(resolve, pause));
    pause = Math.min(200, pause * 2);
  }
}
