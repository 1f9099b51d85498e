import { errors, type SessionRecord } from 'confab';
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
import type { StatementCache } from './connection.js';
import { SESSION_COLUMNS, type SessionRow, sessionFromRow, sessionToRow } from './row-mapping.js';

/*
 * Statements on the `sessions` table. All synchronous: callers run them inside a write task or a
 * consistent read.
 */

/** The session, or undefined when missing. */
export function loadSession(statements: StatementCache, sessionId: string): SessionRecord | undefined {
  const row = statements.row<SessionRow>(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE id = ?`, sessionId);
  return row && sessionFromRow(row);
}

/** The session; `not_found` when missing. */
export function requireSession(statements: StatementCache, sessionId: string): SessionRecord {
  const record = loadSession(statements, sessionId);
  if (!record) throw errors.notFound('session', sessionId);
  return record;
}

/**
 * The fork link of a session without decoding its record: undefined when the session is missing,
 * null for a root. This is the `GetInheritance` of the shared fork-chain helpers.
 */
export function loadInheritance(
  statements: StatementCache,
  sessionId: string,
): SessionRecord['inheritsFrom'] | undefined {
  const row = statements.row<Pick<SessionRow, 'inherits_from_session_id' | 'inherits_from_seq'>>(
    'SELECT inherits_from_session_id, inherits_from_seq FROM sessions WHERE id = ?',
    sessionId,
  );
  if (!row) return undefined;
  if (row.inherits_from_session_id === null) return null;
  return { sessionId: row.inherits_from_session_id, seq: row.inherits_from_seq ?? 0 };
}

/** Stores a new session; `conflict` when the id (or its client session id or channel slot) is taken. */
export function insertSession(statements: StatementCache, record: SessionRecord): SessionRecord {
  if (statements.row('SELECT 1 FROM sessions WHERE id = ?', record.id)) {
    throw errors.conflict(`session ${record.id} exists`);
  }
  statements.run(
    `INSERT INTO sessions (${SESSION_COLUMNS}) VALUES (@id, @app_id, @client_session_id, @channel, @status,
      @last_activity_at, @closed_at, @pending_interrupt, @inherits_from_session_id, @inherits_from_seq, @body)`,
    sessionToRow(record),
  );
  return record;
}

/** Overwrites a stored session with `record`. */
export function saveSession(statements: StatementCache, record: SessionRecord): SessionRecord {
  statements.run(
    `UPDATE sessions SET app_id = @app_id, client_session_id = @client_session_id, channel = @channel,
      status = @status, last_activity_at = @last_activity_at, closed_at = @closed_at,
      pending_interrupt = @pending_interrupt, inherits_from_session_id = @inherits_from_session_id,
      inherits_from_seq = @inherits_from_seq, body = @body
     WHERE id = @id`,
    sessionToRow(record),
  );
  return record;
}

/** The app's session with this client session id, if any. */
export function findByClientSessionId(
  statements: StatementCache,
  appId: string,
  clientSessionId: string,
): SessionRecord | undefined {
  const row = statements.row<SessionRow>(
    `SELECT ${SESSION_COLUMNS} FROM sessions WHERE app_id = ? AND client_session_id = ?`,
    appId,
    clientSessionId,
  );
  return row && sessionFromRow(row);
}

/** The channel's active session, if any (the partial unique index allows at most one). */
export function findActiveInChannel(
  statements: StatementCache,
  appId: string,
  channel: string,
): SessionRecord | undefined {
  const row = statements.row<SessionRow>(
    `SELECT ${SESSION_COLUMNS} FROM sessions WHERE app_id = ? AND channel = ? AND status = 'active'`,
    appId,
    channel,
  );
  return row && sessionFromRow(row);
}

/**
 * One page of `listSessions`: keyset pagination on (last_activity_at, id), both descending, so
 * every page is an index range scan whatever its depth (a search or parent filter reads the
 * app's sessions in that order until the page is full: no index holds titles). One SQL text per filter combination, each
 * prepared once.
 */
export function listSessionPage(statements: StatementCache, query: ListSessionsQuery): SessionPage {
  const limit = clampLimit(query.limit, PAGE_LIMITS.sessions);
  const after = query.cursor ? decodeSessionCursor(query.cursor) : null;
  const status = checkStatusFilter(query.status);
  const search = checkSessionSearch(query.search);
  const conditions = ['app_id = @appId'];
  if (status !== 'all') conditions.push('status = @status');
  if (query.channel != null) conditions.push('channel = @channel');
  if (query.parentId != null) conditions.push(`json_extract(body, '$.parent.sessionId') = @parentId`);
  // SQLite's LIKE ignores the case of ASCII letters only: the search contract of every store.
  if (search !== null) {
    conditions.push(
      `(json_extract(body, '$.title') LIKE @search ESCAPE '\\' OR id LIKE @search ESCAPE '\\'
        OR client_session_id LIKE @search ESCAPE '\\')`,
    );
  }
  if (after) conditions.push('(last_activity_at, id) < (@afterActivity, @afterId)');
  const rows = statements.rows<SessionRow>(
    `SELECT ${SESSION_COLUMNS} FROM sessions WHERE ${conditions.join(' AND ')}
     ORDER BY last_activity_at DESC, id DESC LIMIT @limit`,
    {
      appId: query.appId,
      ...(status !== 'all' && { status }),
      ...(query.channel != null && { channel: query.channel }),
      ...(query.parentId != null && { parentId: query.parentId }),
      ...(search !== null && { search: sessionSearchLikePattern(search) }),
      ...(after && { afterActivity: after.lastActivityAt, afterId: after.id }),
      limit: limit + 1,
    },
  );
  const sessions = rows.slice(0, limit).map(sessionFromRow);
  const last = sessions[sessions.length - 1];
  return { sessions, nextCursor: rows.length > limit && last ? encodeSessionCursor(last) : null };
}
