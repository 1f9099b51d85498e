import { errors, type Lease } from 'confab';
import { isLeaseLive, type LeaseAcquisition } from 'confab/store';
import type { StatementCache } from './connection.js';
import { type LeaseRow, leaseFromRow } from './row-mapping.js';
import { requireSession } from './session-queries.js';

/*
 * Leases. The `leases` row is the truth for every process sharing the file: acquisition runs
 * under the write lock (BEGIN IMMEDIATE), and `last_token` is kept when a lease is released so a
 * fencing token is never issued twice for a session.
 */

/** The session's `leases` row: the holder (cleared on release) and the last token issued; undefined when never leased. */
export function loadLeaseRow(statements: StatementCache, sessionId: string): LeaseRow | undefined {
  return statements.row<LeaseRow>(
    'SELECT session_id, last_token, owner, token, expires_at FROM leases WHERE session_id = ?',
    sessionId,
  );
}

/** The session's lease as stored (possibly expired), or null when none is held. */
export function loadLease(statements: StatementCache, sessionId: string): Lease | null {
  return leaseFromRow(loadLeaseRow(statements, sessionId));
}

/** Stores `lease` as the session's holder, its token as the last one issued. */
export function storeLease(statements: StatementCache, lease: Lease): void {
  statements.run(
    `INSERT INTO leases (session_id, last_token, owner, token, expires_at) VALUES (@sessionId, @token, @owner, @token, @expiresAt)
     ON CONFLICT (session_id) DO UPDATE SET last_token = excluded.last_token, owner = excluded.owner,
       token = excluded.token, expires_at = excluded.expires_at`,
    lease,
  );
}

/**
 * `acquireLeaseReporting` of `CommitFolding` (and so `acquireLease` of the port), as one write
 * task. A released lease has its holder columns cleared; one still filled in has expired unreleased.
 */
export function acquireLease(
  statements: StatementCache,
  sessionId: string,
  owner: string,
  ttlMs: number,
  now: Date,
): LeaseAcquisition | null {
  requireSession(statements, sessionId);
  const row = loadLeaseRow(statements, sessionId);
  const held = leaseFromRow(row);
  if (isLeaseLive(held, now)) return null;
  const previous = !row ? 'none' : held ? 'expired' : 'released';
  const lease: Lease = {
    sessionId,
    owner,
    token: (row?.last_token ?? 0) + 1,
    expiresAt: new Date(now.getTime() + ttlMs).toISOString(),
  };
  storeLease(statements, lease);
  return { lease, previous };
}

/** `renewLease` of the port, as one write task. */
export function renewLease(statements: StatementCache, lease: Lease, ttlMs: number, now: Date): Lease {
  requireSession(statements, lease.sessionId);
  const current = loadLease(statements, lease.sessionId);
  if (!isLeaseLive(current, now) || current.token !== lease.token || current.owner !== lease.owner) {
    throw errors.conflict(`lease ${lease.token} on session ${lease.sessionId} was lost`);
  }
  const renewed: Lease = { ...current, expiresAt: new Date(now.getTime() + ttlMs).toISOString() };
  statements.run('UPDATE leases SET expires_at = ? WHERE session_id = ?', renewed.expiresAt, renewed.sessionId);
  return renewed;
}

/**
 * `renewLeases` of the port, as one write task (one commit for the whole batch): each lease is
 * extended when this exact lease is still held and unexpired, else answered null. Expiries are
 * ISO-8601 strings of one length, so comparing them as text compares the times.
 */
export function renewLeases(
  statements: StatementCache,
  leases: readonly Lease[],
  ttlMs: number,
  now: Date,
): (Lease | null)[] {
  const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
  const nowText = now.toISOString();
  return leases.map((lease) => {
    const changed = statements.run(
      'UPDATE leases SET expires_at = ? WHERE session_id = ? AND token = ? AND owner = ? AND expires_at > ?',
      expiresAt,
      lease.sessionId,
      lease.token,
      lease.owner,
      nowText,
    );
    return changed === 1 ? { sessionId: lease.sessionId, owner: lease.owner, token: lease.token, expiresAt } : null;
  });
}

/** `releaseLease` of the port, as one write task: a no-op unless this exact lease is held. */
export function releaseLease(statements: StatementCache, lease: Lease): void {
  statements.run(
    'UPDATE leases SET owner = NULL, token = NULL, expires_at = NULL WHERE session_id = ? AND token = ? AND owner = ?',
    lease.sessionId,
    lease.token,
    lease.owner,
  );
}

/** `getLease` of the port. */
export function getLiveLease(statements: StatementCache, sessionId: string, now: Date): Lease | null {
  requireSession(statements, sessionId);
  const lease = loadLease(statements, sessionId);
  return isLeaseLive(lease, now) ? lease : null;
}
