import { ConfabError } from '../errors.js';
import type { Lease } from '../model/records.js';
import type { LeaseAcquisition } from '../store/port/commit-folding.js';
import type { SessionStore } from '../store/port/session-store.js';

/**
 * Holds a session's lease for the length of a turn: renews it at a third of its time to live and
 * calls `onLost` when a renewal fails (the lease was lost: another process may now own the
 * session, and this one's writes will be refused by the store's fencing check anyway). A callback
 * rather than an AbortSignal of its own: every turn makes a keeper, and a signal with its abort
 * listener costs more than the rest of the keeper.
 */
export class LeaseKeeper {
  private timer: ReturnType<typeof setInterval> | null = null;
  private renewing: Promise<void> | null = null;
  private released = false;

  constructor(
    private readonly store: SessionStore,
    private held: Lease,
    private readonly ttlMs: number,
    /** Called once, with a `conflict` error, when the lease is lost. */
    private readonly onLost: (reason: ConfabError) => void,
  ) {
    this.timer = setInterval(
      () => {
        this.renewing ??= this.renew().finally(() => {
          this.renewing = null;
        });
      },
      Math.max(50, Math.floor(ttlMs / 3)),
    );
    this.timer.unref?.();
  }

  /** The lease as last renewed. */
  get lease(): Lease {
    return this.held;
  }

  /**
   * Stops renewing and gives the lease up. Never throws: a lost lease needs no release. A store
   * that is briefly unreachable is retried a few times, since a lease left behind blocks the
   * session for its whole time to live.
   */
  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.renewing;
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
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.released = true;
  }

  /**
   * Stops renewing and leaves the lease to expire without releasing it: the next holder then sees
   * it `expired` and cleans up after this one (see `CommitFolding.acquireLeaseReporting`).
   */
  abandon(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async renew(): Promise<void> {
    try {
      this.held = await this.store.renewLease(this.held, this.ttlMs);
    } catch (error) {
      // A store that is briefly unreachable is not a lost lease; retry at the next tick while it lasts.
      if (ConfabError.isInstance(error, 'unavailable') && Date.parse(this.held.expiresAt) > Date.now()) return;
      if (this.timer) clearInterval(this.timer);
      this.timer = null;
      this.onLost(new ConfabError('conflict', 'the session lease was lost', { cause: error }));
    }
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
