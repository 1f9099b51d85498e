import { errors, type Lease } from 'confab';
import type { LeaseAcquisition } from 'confab/store';
import { leaseNowSql, type StoreClock } from './clock.js';
import { LEASE_COLUMNS, type LeaseColumns, leaseFromRow } from './row-mapping.js';
import type { SqlRunner } from './sql-runner.js';

/*
 * Leases live in the session row: `lease_last_token` is never reset (a release clears only the
 * holder), so a fencing token is never issued twice for a session, and every lease change takes
 * the same row lock as an append, so an append's lease check and its writes are atomic against
 * them. Expiry is decided by one clock in SQL (see clock.ts), which every process shares.
 * Each operation is one statement: the `session` CTE reports whether the session exists when the
 * change itself matched no row.
 */

/** A lease expiry `ttlMs` after the lease clock's now, at millisecond precision like the records. */
function expirySql(nowPlaceholder: string, ttlPlaceholder: string): string {
  return `date_trunc('milliseconds', ${leaseNowSql(nowPlaceholder)}) + ${ttlPlaceholder}::double precision * interval '1 millisecond'`;
}

/** Checks a caller's ttl; fractions of a millisecond are dropped, as a `Date` would. */
function checkTtl(ttlMs: number): number {
  if (!Number.isFinite(ttlMs)) throw errors.invalidArgument('ttlMs must be a finite number');
  return Math.trunc(ttlMs);
}

type LeaseOutcome = LeaseColumns & { session_exists: boolean; changed: boolean };

/** Runs a lease-changing UPDATE (as `changed`) and reports the session's existence alongside. */
async function changeLease(sql: SqlRunner, sessionId: string, update: string, values: unknown[]) {
  const row = await sql.row<LeaseOutcome>(
    `WITH changed AS (${update} RETURNING ${LEASE_COLUMNS})
     SELECT EXISTS (SELECT 1 FROM ${sql.tables.sessions} WHERE id = $1) AS session_exists,
            EXISTS (SELECT 1 FROM changed) AS changed, changed.*
     FROM (SELECT 1) AS one LEFT JOIN changed ON true`,
    values,
  );
  if (!row?.session_exists && !row?.changed) throw errors.notFound('session', sessionId);
  return row.changed ? leaseFromRow(sessionId, row) : null;
}

/**
 * `acquireLeaseReporting` of `CommitFolding` (and so `acquireLease` of the port): a fresh token,
 * or null while another unexpired lease is held. How the previous lease ended comes from the row
 * as the statement's snapshot saw it; a release clears the holder, so a holder still named there
 * expired unreleased. When another acquisition slipped in between that snapshot and the row lock
 * (the token moved by more than one), the answer is `expired`: the one that is always safe.
 */
export async function acquireLease(
  sql: SqlRunner,
  clock: StoreClock,
  sessionId: string,
  owner: string,
  ttlMs: number,
): Promise<LeaseAcquisition | null> {
  const ttl = checkTtl(ttlMs);
  const row = await sql.row<LeaseOutcome & { old_owner: string | null; old_last_token: string | number }>(
    `WITH changed AS (
       UPDATE ${sql.tables.sessions} AS session
       SET lease_last_token = session.lease_last_token + 1, lease_token = session.lease_last_token + 1,
           lease_owner = $2, lease_expires_at = ${expirySql('$3', '$4')}
       FROM (SELECT id, lease_owner AS old_owner, lease_last_token AS old_last_token
             FROM ${sql.tables.sessions} WHERE id = $1) AS seen
       WHERE session.id = $1 AND seen.id = session.id
         AND (session.lease_owner IS NULL OR session.lease_expires_at <= ${leaseNowSql('$3')})
       RETURNING ${LEASE_COLUMNS}, seen.old_owner, seen.old_last_token
     )
     SELECT EXISTS (SELECT 1 FROM ${sql.tables.sessions} WHERE id = $1) AS session_exists,
            EXISTS (SELECT 1 FROM changed) AS changed, changed.*
     FROM (SELECT 1) AS one LEFT JOIN changed ON true`,
    [sessionId, owner, clock.leaseParameter(), ttl],
  );
  if (!row?.session_exists && !row?.changed) throw errors.notFound('session', sessionId);
  const lease = row.changed ? leaseFromRow(sessionId, row) : null;
  if (!lease) return null;
  const oldLastToken = Number(row.old_last_token);
  const previous =
    oldLastToken + 1 !== lease.token || row.old_owner !== null ? 'expired' : oldLastToken === 0 ? 'none' : 'released';
  return { lease, previous };
}

/** `renewLease` of the port: `conflict` unless this exact lease is held and unexpired. */
export async function renewLease(sql: SqlRunner, clock: StoreClock, lease: Lease, ttlMs: number): Promise<Lease> {
  const ttl = checkTtl(ttlMs);
  const renewed = await changeLease(
    sql,
    lease.sessionId,
    `UPDATE ${sql.tables.sessions} SET lease_expires_at = ${expirySql('$4', '$5')}
     WHERE id = $1 AND lease_token = $2 AND lease_owner = $3 AND lease_expires_at > ${leaseNowSql('$4')}`,
    [lease.sessionId, lease.token, lease.owner, clock.leaseParameter(), ttl],
  );
  if (!renewed) throw errors.conflict(`lease ${lease.token} on session ${lease.sessionId} was lost`);
  return renewed;
}

/**
 * `renewLeases` of the port, as one statement for the whole batch (`batch` ordered by session id,
 * see `checkLeaseBatch`): each row whose lease is still this exact, unexpired one gets the new
 * expiry; the others are answered null.
 */
export async function renewLeases(
  sql: SqlRunner,
  clock: StoreClock,
  batch: readonly Lease[],
  ttlMs: number,
): Promise<(Lease | null)[]> {
  if (batch.length === 0) return [];
  const ttl = checkTtl(ttlMs);
  const rows = await sql.rows<LeaseColumns & { id: string }>(
    `UPDATE ${sql.tables.sessions} AS session SET lease_expires_at = ${expirySql('$4', '$5')}
     FROM unnest($1::text[], $2::bigint[], $3::text[]) AS renewal(id, token, owner)
     WHERE session.id = renewal.id AND session.lease_token = renewal.token AND session.lease_owner = renewal.owner
       AND session.lease_expires_at > ${leaseNowSql('$4')}
     RETURNING session.id, ${LEASE_COLUMNS.split(', ')
       .map((column) => `session.${column}`)
       .join(', ')}`,
    [
      batch.map((lease) => lease.sessionId),
      batch.map((lease) => lease.token),
      batch.map((lease) => lease.owner),
      clock.leaseParameter(),
      ttl,
    ],
  );
  const renewed = new Map(rows.map((row) => [row.id, leaseFromRow(row.id, row)]));
  return batch.map((lease) => renewed.get(lease.sessionId) ?? null);
}

/** `releaseLease` of the port: a no-op unless this exact lease is held. */
export async function releaseLease(sql: SqlRunner, lease: Lease): Promise<void> {
  await sql.run(
    `UPDATE ${sql.tables.sessions} SET lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL
     WHERE id = $1 AND lease_token = $2 AND lease_owner = $3`,
    [lease.sessionId, lease.token, lease.owner],
  );
}

/** `getLease` of the port: the unexpired lease, or null; `not_found` for a missing session. */
export async function getLiveLease(sql: SqlRunner, clock: StoreClock, sessionId: string): Promise<Lease | null> {
  const row = await sql.row<LeaseColumns & { live: boolean | null }>(
    `SELECT ${LEASE_COLUMNS}, lease_expires_at > ${leaseNowSql('$2')} AS live FROM ${sql.tables.sessions} WHERE id = $1`,
    [sessionId, clock.leaseParameter()],
  );
  if (!row) throw errors.notFound('session', sessionId);
  return row.live ? leaseFromRow(sessionId, row) : null;
}
