import type {
  InputStatus,
  JsonObject,
  Lease,
  QueuedInput,
  SessionEvent,
  SessionRecord,
  SnapshotWithState,
} from 'confab';

/*
 * Rows of the session tables (sessions, events, snapshots, inputs) as node-postgres returns them
 * (snake_case; `json` columns already parsed) and their conversions to and from the port's
 * records, kept in one place so a column change touches one file. Shared with the other SQL adapter,
 * in @confab/sql-common: the account tables, the `sessions` column list and the split of a
 * session into columns and body.
 */

import {
  copyArgument,
  SESSION_COLUMNS,
  type SessionBody,
  type SessionColumns,
  sessionBodyOf,
  sessionColumnsOf,
  sessionFromColumns,
  toJson,
} from '@confab/sql-common';

export { copyArgument, SESSION_COLUMNS, toJson };

/** The lease columns of `sessions`. */
export const LEASE_COLUMNS = 'lease_owner, lease_token, lease_expires_at';

/** A `sessions` row (record columns). */
export interface SessionRow extends Omit<SessionColumns, 'pending_interrupt'> {
  pending_interrupt: boolean;
  body: SessionBody;
}

/** The lease columns of a `sessions` row. */
export interface LeaseColumns {
  lease_owner: string | null;
  lease_token: number | null;
  lease_expires_at: Date | null;
}

/** The statement parameters that store `record`, in {@link SESSION_COLUMNS} order. */
export function sessionValues(record: SessionRecord): unknown[] {
  const columns = sessionColumnsOf(record);
  return [
    columns.id,
    columns.app_id,
    columns.client_session_id,
    columns.channel,
    columns.status,
    columns.last_activity_at,
    columns.closed_at,
    columns.pending_interrupt,
    columns.inherits_from_session_id,
    columns.inherits_from_seq,
    toJson(sessionBodyOf(record)),
  ];
}

/** The record stored in `row`. */
export function sessionFromRow(row: SessionRow): SessionRecord {
  return sessionFromColumns(row, row.body);
}

/** The lease held in a session row, or null when released (an expired lease is returned as is). */
export function leaseFromRow(sessionId: string, row: LeaseColumns): Lease | null {
  if (row.lease_owner === null || row.lease_token === null || row.lease_expires_at === null) return null;
  return {
    sessionId,
    owner: row.lease_owner,
    token: row.lease_token,
    expiresAt: row.lease_expires_at.toISOString(),
  };
}

/** The columns of `events`, in the order of {@link EventRow}. */
export const EVENT_COLUMNS = 'session_id, seq, turn, type, at, data';

/** An `events` row. */
export interface EventRow {
  session_id: string;
  seq: number;
  turn: number;
  type: string;
  at: string;
  data: unknown;
}

/** The event stored in `row`. */
export function eventFromRow(row: EventRow): SessionEvent {
  return {
    seq: row.seq,
    sessionId: row.session_id,
    turn: row.turn,
    type: row.type,
    at: row.at,
    data: row.data,
  } as SessionEvent;
}

/**
 * A batch of events as one `json` parameter, unpacked on the server by `json_to_recordset`: one
 * statement and one parameter whatever the batch size.
 */
export function eventsParameter(events: SessionEvent[]): string {
  return toJson(
    events.map((event) => ({ seq: event.seq, turn: event.turn, type: event.type, at: event.at, data: event.data })),
  );
}

/** The columns of `inputs` a {@link QueuedInput} needs, plus the queue position. */
export const INPUT_COLUMNS =
  'position, session_id, id, payload, idempotency_key, status, claim_token, consumed_seq, consumed_turn, created_at';

/** An `inputs` row; `payload` holds the text and file tokens (json escapes any character). */
export interface InputRow {
  position: number;
  session_id: string;
  id: string;
  payload: { text: string; files: string[] };
  idempotency_key: string | null;
  status: string;
  claim_token: string | null;
  consumed_seq: number | null;
  consumed_turn: number | null;
  created_at: string;
}

/** The queued input stored in `row`. */
export function inputFromRow(row: InputRow): QueuedInput {
  return {
    id: row.id,
    sessionId: row.session_id,
    text: row.payload.text,
    files: row.payload.files,
    idempotencyKey: row.idempotency_key,
    status: row.status as InputStatus,
    claimToken: row.claim_token,
    consumedSeq: row.consumed_seq,
    consumedTurn: row.consumed_turn,
    createdAt: row.created_at,
  };
}

/** The columns of `snapshots`, in the order of {@link SnapshotRow}. */
export const SNAPSHOT_COLUMNS = 'id, session_id, seq, turn, state_version, parent_snapshot_id, created_at, state';

/** A `snapshots` row. */
export interface SnapshotRow {
  id: string;
  session_id: string;
  seq: number;
  turn: number;
  state_version: number;
  parent_snapshot_id: string | null;
  created_at: string;
  state: JsonObject;
}

/** The statement parameters that store `snapshot`, in {@link SNAPSHOT_COLUMNS} order. */
export function snapshotValues(snapshot: SnapshotWithState): unknown[] {
  return [
    snapshot.id,
    snapshot.sessionId,
    snapshot.seq,
    snapshot.turn,
    snapshot.stateVersion,
    snapshot.parentSnapshotId,
    snapshot.createdAt,
    toJson(snapshot.state),
  ];
}

/** The snapshot stored in `row`, with its state. */
export function snapshotFromRow(row: SnapshotRow): SnapshotWithState {
  return {
    id: row.id,
    sessionId: row.session_id,
    seq: row.seq,
    turn: row.turn,
    stateVersion: row.state_version,
    parentSnapshotId: row.parent_snapshot_id,
    createdAt: row.created_at,
    state: row.state,
  };
}
