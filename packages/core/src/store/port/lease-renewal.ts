import { errors } from '../../errors.js';
import type { Lease } from '../../model/records.js';

/**
 * Batched lease renewal, part of the store port: a process renews the leases of all its running
 * turns in one call per tick (one commit, one statement where the store can) instead of one
 * commit per session.
 */
export interface LeaseRenewal {
  /**
   * `renewLease` for many leases at once, each extended to `ttlMs` from the store's now. Answers
   * in the order asked: the renewed lease (same token), or null where `renewLease` would fail with
   * `conflict` (the lease was lost, released or has expired) or the session no longer exists. A
   * lost lease never fails the others. Throws only when the store itself fails (`unavailable`),
   * or `invalid_argument` when a session appears twice or `ttlMs` is not a positive number; after
   * a throw, any of the leases may or may not have been renewed (renewing again is harmless).
   * An empty batch writes nothing.
   */
  renewLeases(leases: readonly Lease[], ttlMs: number): Promise<(Lease | null)[]>;
}

/**
 * Checks a `renewLeases` batch (no session twice, a positive finite ttl) and returns the leases
 * ordered by session id, the order in which SQL stores lock their rows, so two processes' batches
 * never wait on each other in opposite orders. Throws `invalid_argument`.
 */
export function checkLeaseBatch(leases: readonly Lease[], ttlMs: number): Lease[] {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw errors.invalidArgument('ttlMs must be a positive number');
  const seen = new Set<string>();
  for (const lease of leases) {
    if (seen.has(lease.sessionId))
      throw errors.invalidArgument(`session ${lease.sessionId} appears twice in the batch`);
    seen.add(lease.sessionId);
  }
  return [...leases].sort((a, b) => (a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : 0));
}
