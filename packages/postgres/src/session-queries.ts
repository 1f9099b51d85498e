import { errors, type Lease, type SessionRecord } from 'confab';
import {
  checkSessionSearch,
  checkStatusFilter,
  clampLimit,
  decodeSessionCursor,
  encodeSessionCursor,
  type ListSessionsQuery,
  PAGE_LIMITS,
  type SessionPage,
  sessionSearchLikePattern,
} from 'confab/store';
import {
  LEASE_COLUMNS,
  type LeaseColumns,
  leaseFromRow,
  SESSION_COLUMNS,
  type SessionRow,
  sessionFromRow,
  sessionValues,
} from './row-mapping.js';
import type { SqlRunner } from './sql-runner.js';

/** Placeholders `$first…` for the values of {@link sessionValues}, each cast to its column's type. */
export function sessionPlaceholders(first = 1): string {
  const types = ['text', 'text', 'text', 'text', 'text', 'text', 'text', 'boolean', 'text', 'integer', 'json'];
  return types.map((type, index) => `$${first + index}::${type}`).join(', ');
}

/** The session, or undefined when missing. */
export async function loadSession(sql: SqlRunner, sessionId: string): Promise<SessionRecord | undefined> {
  const row = await sql.row<SessionRow>(`SELECT ${SESSION_COLUMNS} FROM ${sql.tables.sessions} WHERE id = $1`, [
    sessionId,
  ]);
  return row && sessionFromRow(row);
}

/** The session; `not_found` when missing. */
export async function requireSession(sql: SqlRunner, sessionId: string): Promise<SessionRecord> {
  const record = await loadSession(sql, sessionId);
  if (!record) throw errors.notFound('session', sessionId);
  return record;
}

/**
 * How strongly a transaction locks a session row:
 * - `NO KEY UPDATE`: to change the row (appends, updates, leases); other writers wait.
 * - `UPDATE`: to delete it.
 * - `KEY SHARE`: to keep it from being deleted while something is attached to it (an input, a
 *   fork); writers of the row are not held up.
 */
export type SessionLock = 'NO KEY UPDATE' | 'UPDATE' | 'KEY SHARE';

/**
 * Locks the session row for the rest of the transaction and returns it with its lease (possibly
 * expired), or undefined when missing. Statements after this one see every commit made before
 * the lock was granted (READ COMMITTED takes a fresh snapshot per statement).
 */
export async function lockSession(
  sql: SqlRunner,
  sessionId: string,
  lock: SessionLock,
): Promise<{ record: SessionRecord; lease: Lease | null } | undefined> {
  const row = await sql.row<SessionRow & LeaseColumns>(
    `SELECT ${SESSION_COLUMNS}, ${LEASE_COLUMNS} FROM ${sql.tables.sessions} WHERE id = $1 FOR ${lock}`,
    [sessionId],
  );
  return row && { record: sessionFromRow(row), lease: leaseFromRow(row.id, row) };
}

/** Like {@link lockSession}, `not_found` when missing. */
export async function requireLockedSession(
  sql: SqlRunner,
  sessionId: string,
  lock: SessionLock,
): Promise<{ record: SessionRecord; lease: Lease | null }> {
  const locked = await lockSession(sql, sessionId, lock);
  if (!locked) throw errors.notFound('session', sessionId);
  return locked;
}

/**
 * The fork link of a session without decoding its record: undefined when the session is missing,
 * null for a root. This is the `GetInheritance` of the shared fork-chain helpers.
 */
export async function loadInheritance(
  sql: SqlRunner,
  sessionId: string,
): Promise<SessionRecord['inheritsFrom'] | undefined> {
  const row = await sql.row<Pick<SessionRow, 'inherits_from_session_id' | 'inherits_from_seq'>>(
    `SELECT inherits_from_session_id, inherits_from_seq FROM ${sql.tables.sessions} WHERE id = $1`,
    [sessionId],
  );
  if (!row) return undefined;
  if (row.inherits_from_session_id === null) return null;
  return { sessionId: row.inherits_from_session_id, seq: row.inherits_from_seq ?? 0 };
}

/** Stores a new session; `conflict` when its id, client session id or channel slot is taken. */
export async function insertSession(sql: SqlRunner, record: SessionRecord): Promise<SessionRecord> {
  await sql.run(
    `INSERT INTO ${sql.tables.sessions} (${SESSION_COLUMNS}) VALUES (${sessionPlaceholders()})`,
    sessionValues(record),
  );
  return record;
}

/** The statement and values that overwrite a stored session with `record` (lease untouched unless `releaseLease`). */
export function saveSessionStatement(
  sql: SqlRunner,
  record: SessionRecord,
  first = 1,
  releaseLease = false,
): [string, unknown[]] {
  const columns = SESSION_COLUMNS.split(', ').slice(1).join(', ');
  const placeholders = sessionPlaceholders(first).split(', ').slice(1).join(', ');
  // The lease lives in the same row: clearing it here is what releasing it in the same statement takes.
  const release = releaseLease ? ', lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL' : '';
  return [
    `UPDATE ${sql.tables.sessions} SET (${columns}) = (${placeholders})${release} WHERE id = $${first}`,
    sessionValues(record),
  ];
}

/** Overwrites a stored session with `record`. Call only with the row locked in the same transaction. */
export async function saveSession(sql: SqlRunner, record: SessionRecord): Promise<SessionRecord> {
  const [statement, values] = saveSessionStatement(sql, record);
  await sql.run(statement, values);
  return record;
}

/** The app's session with this client session id, if any. */
export async function findByClientSessionId(
  sql: SqlRunner,
  appId: string,
  clientSessionId: string,
): Promise<SessionRecord | undefined> {
  const row = await sql.row<SessionRow>(
    `SELECT ${SESSION_COLUMNS} FROM ${sql.tables.sessions} WHERE app_id = $1 AND client_session_id = $2`,
    [appId, clientSessionId],
  );
  return row && sessionFromRow(row);
}

/** The channel's active session, if any (the partial unique index allows at most one). */
export async function findActiveInChannel(
  sql: SqlRunner,
  appId: string,
  channel: string,
  lock = '',
): Promise<SessionRecord | undefined> {
  const row = await sql.row<SessionRow>(
    `SELECT ${SESSION_COLUMNS} FROM ${sql.tables.sessions}
     WHERE app_id = $1 AND channel = $2 AND status = 'active' ${lock}`,
    [appId, channel],
  );
  return row && sessionFromRow(row);
}

const ASCII_CAPITALS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const ASCII_SMALL = 'abcdefghijklmnopqrstuvwxyz';

/**
 * One page of `listSessions`: keyset pagination on (last_activity_at, id), both descending, so
 * every page is an index range scan whatever its depth (a search or parent filter reads the
 * app's sessions in that order until the page is full: no index holds titles).
 */
export async function listSessionPage(sql: SqlRunner, query: ListSessionsQuery): Promise<SessionPage> {
  const limit = clampLimit(query.limit, PAGE_LIMITS.sessions);
  const after = query.cursor ? decodeSessionCursor(query.cursor) : null;
  const status = checkStatusFilter(query.status);
  const values: unknown[] = [query.appId];
  const conditions = ['app_id = $1'];
  const bind = (value: unknown) => `$${values.push(value)}`;
  if (status !== 'all') conditions.push(`status = ${bind(status)}`);
  if (query.channel != null) conditions.push(`channel = ${bind(query.channel)}`);
  if (query.parentId != null) conditions.push(`(body->'parent'->>'sessionId') = ${bind(query.parentId)}`);
  const search = checkSessionSearch(query.search);
  if (search !== null) {
    // ASCII letters only (translate, not the locale-dependent lower()): the search contract of every store.
    const pattern = bind(sessionSearchLikePattern(search));
    const folded = (column: string) => `translate(${column}, '${ASCII_CAPITALS}', '${ASCII_SMALL}') LIKE ${pattern}`;
    conditions.push(`(${folded(`body->>'title'`)} OR ${folded('id')} OR ${folded('client_session_id')})`);
  }
  if (after) conditions.push(`(last_activity_at, id) < (${bind(after.lastActivityAt)}, ${bind(after.id)})`);
  const rows = await sql.rows<SessionRow>(
    `SELECT ${SESSION_COLUMNS} FROM ${sql.tables.sessions} WHERE ${conditions.join(' AND ')}
     ORDER BY last_activity_at DESC, id DESC LIMIT ${bind(limit + 1)}`,
    values,
  );
  const sessions = rows.slice(0, limit).map(sessionFromRow);
  const last = sessions[sessions.length - 1];
  return { sessions, nextCursor: rows.length > limit && last ? encodeSessionCursor(last) : null };
}
