import type { SessionRecord, SessionStatus } from 'confab';

/*
 * A session as the SQL adapters store it: the fields queries filter or sort on are columns, the
 * rest one JSON `body`, so adding a record field never needs a migration. Each adapter maps these
 * driver-neutral shapes to its driver's (SQLite: 0/1 and JSON text; PostgreSQL: booleans and
 * parsed `json`).
 */

/** The `sessions` columns of a record, with driver-neutral values. */
export interface SessionColumns {
  id: string;
  app_id: string;
  client_session_id: string | null;
  channel: string | null;
  status: string;
  last_activity_at: string;
  closed_at: string | null;
  pending_interrupt: boolean;
  inherits_from_session_id: string | null;
  inherits_from_seq: number | null;
}

/** The `sessions` columns that store a record (not the lease), as SQL: {@link SessionColumns} then `body`. */
export const SESSION_COLUMNS =
  'id, app_id, client_session_id, channel, status, last_activity_at, closed_at, pending_interrupt, inherits_from_session_id, inherits_from_seq, body';

/** The record fields that live in the JSON `body` rather than in columns. */
export type SessionBody = Omit<
  SessionRecord,
  | 'id'
  | 'appId'
  | 'clientSessionId'
  | 'channel'
  | 'status'
  | 'lastActivityAt'
  | 'closedAt'
  | 'pendingInterrupt'
  | 'inheritsFrom'
>;

/** The columns that store `record`. */
export function sessionColumnsOf(record: SessionRecord): SessionColumns {
  return {
    id: record.id,
    app_id: record.appId,
    client_session_id: record.clientSessionId,
    channel: record.channel,
    status: record.status,
    last_activity_at: record.lastActivityAt,
    closed_at: record.closedAt,
    pending_interrupt: record.pendingInterrupt,
    inherits_from_session_id: record.inheritsFrom?.sessionId ?? null,
    inherits_from_seq: record.inheritsFrom?.seq ?? null,
  };
}

/** The body that stores `record` (every field but the columns), in a fixed field order. */
export function sessionBodyOf(record: SessionRecord): SessionBody {
  return {
    title: record.title,
    agent: record.agent,
    model: record.model,
    meta: record.meta,
    state: record.state,
    stateVersion: record.stateVersion,
    turnCount: record.turnCount,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    lastTurnAt: record.lastTurnAt,
    parent: record.parent,
    version: record.version,
    lastSeq: record.lastSeq,
    tools: record.tools,
    compactionSeq: record.compactionSeq,
    lastSnapshotId: record.lastSnapshotId,
    archivedAt: record.archivedAt,
    runtime: record.runtime,
  };
}

/** The record stored in `columns` and `body`, in the port's field order. */
export function sessionFromColumns(columns: SessionColumns, body: SessionBody): SessionRecord {
  return {
    id: columns.id,
    appId: columns.app_id,
    clientSessionId: columns.client_session_id,
    channel: columns.channel,
    title: body.title,
    agent: body.agent,
    model: body.model,
    status: columns.status as SessionStatus,
    meta: body.meta,
    state: body.state,
    stateVersion: body.stateVersion,
    turnCount: body.turnCount,
    createdAt: body.createdAt,
    updatedAt: body.updatedAt,
    lastTurnAt: body.lastTurnAt,
    closedAt: columns.closed_at,
    parent: body.parent,
    version: body.version,
    lastSeq: body.lastSeq,
    lastActivityAt: columns.last_activity_at,
    tools: body.tools,
    compactionSeq: body.compactionSeq,
    lastSnapshotId: body.lastSnapshotId,
    pendingInterrupt: columns.pending_interrupt,
    archivedAt: body.archivedAt,
    runtime: body.runtime,
    inheritsFrom:
      columns.inherits_from_session_id === null
        ? null
        : { sessionId: columns.inherits_from_session_id, seq: columns.inherits_from_seq ?? 0 },
  };
}
