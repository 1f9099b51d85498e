import { ConfabError } from '../errors.js';
import type { Lease } from '../model/records.js';
import type { SessionStore } from '../store/port/session-store.js';

/** A lease the {@link LeaseRenewer} keeps alive, and what it tells the holder. */
export interface RenewedLease {
  /** The lease as last renewed. */
  readonly lease: Lease;
  /** The store renewed it. */
  renewed(lease: Lease): void;
  /** The store refused to renew it (lost or expired), or could not be reached before it expired. */
  lost(reason: ConfabError): void;
}

interface Entry {
  holder: RenewedLease;
  /** The renewal batch this lease is in, while one runs. */
  renewing: Promise<void> | null;
}

/**
 * Renews the leases of every running turn of a process on one store and time to live together:
 * one timer for all of them, and one `renewLeases` call (one commit) per tick instead of a timer
 * and a commit per session. Ticks every third of the time to live, so every lease is renewed
 * within a third of its time to live of being taken or last renewed, as a timer of its own would.
 * A tick while the last batch is still in flight is skipped.
 */
export class LeaseRenewer {
  private readonly entries = new Map<RenewedLease, Entry>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private inFlight = false;
  private readonly intervalMs: number;

  constructor(
    private readonly store: SessionStore,
    private readonly ttlMs: number,
  ) {
    this.intervalMs = Math.max(50, Math.floor(ttlMs / 3));
  }

  /** Leases being kept alive now. */
  get size(): number {
    return this.entries.size;
  }

  /** Starts keeping `holder`'s lease alive. */
  add(holder: RenewedLease): void {
    this.entries.set(holder, { holder, renewing: null });
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), this.intervalMs);
      // Renewals alone never keep a process alive.
      this.timer.unref?.();
    }
  }

  /**
   * Stops renewing `holder`'s lease. Resolves once a renewal of it already under way has settled,
   * so a release that follows is the last word on the lease.
   */
  remove(holder: RenewedLease): Promise<void> {
    const entry = this.entries.get(holder);
    this.entries.delete(holder);
    if (this.entries.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
    return entry?.renewing ?? Promise.resolve();
  }

  private tick(): void {
    if (this.inFlight) return;
    const batch = [...this.entries.values()];
    if (batch.length === 0) return;
    this.inFlight = true;
    const renewing = this.renew(batch).finally(() => {
      this.inFlight = false;
      for (const entry of batch) entry.renewing = null;
    });
    for (const entry of batch) entry.renewing = renewing;
  }

  private async renew(batch: Entry[]): Promise<void> {
    let answers: (Lease | null)[];
    try {
      answers = await this.store.renewLeases(
        batch.map((entry) => entry.holder.lease),
        this.ttlMs,
      );
    } catch (error) {
      for (const entry of batch) {
        if (!this.entries.has(entry.holder)) continue;
        // A store that is briefly unreachable is not a lost lease: retry at the next tick while it lasts.
        if (ConfabError.isInstance(error, 'unavailable') && Date.parse(entry.holder.lease.expiresAt) > Date.now()) {
          continue;
        }
        this.entries.delete(entry.holder);
        entry.holder.lost(new ConfabError('conflict', 'the session lease was lost', { cause: error }));
      }
      return;
    }
    batch.forEach((entry, index) => {
      if (!this.entries.has(entry.holder)) return; // released while the batch ran
      const renewed = answers[index];
      if (renewed) {
        entry.holder.renewed(renewed);
        return;
      }
      this.entries.delete(entry.holder);
      entry.holder.lost(new ConfabError('conflict', 'the session lease was lost'));
    });
    if (this.entries.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }
}

const renewers = new WeakMap<SessionStore, Map<number, LeaseRenewer>>();

/**
 * The process's renewer for `store` and `ttlMs`: every runner on the same store object shares it,
 * so all their leases go out in one batch per tick.
 */
export function sharedLeaseRenewer(store: SessionStore, ttlMs: number): LeaseRenewer {
  let byTtl = renewers.get(store);
  if (!byTtl) {
    byTtl = new Map();
    renewers.set(store, byTtl);
  }
  let renewer = byTtl.get(ttlMs);
  if (!renewer) {
    renewer = new LeaseRenewer(store, ttlMs);
    byTtl.set(ttlMs, renewer);
  }
  return renewer;
}
