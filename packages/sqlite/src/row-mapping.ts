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
 * Rows of the session tables (sessions, events, snapshots, inputs, leases) as SQLite returns them
 * (snake_case, JSON as text, booleans as 0/1) and their conversions to and from the port's
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

/** A `sessions` row. */
export interface SessionRow extends Omit<SessionColumns, 'pending_interrupt'> {
  pending_interrupt: number;
  body: string;
}

/** The row that stores `record`. */
export function sessionToRow(record: SessionRecord): SessionRow {
  const columns = sessionColumnsOf(record);
  return { ...columns, pending_interrupt: columns.pending_interrupt ? 1 : 0, body: toJson(sessionBodyOf(record)) };
}

/** The record stored in `row`. */
export function sessionFromRow(row: SessionRow): SessionRecord {
  return sessionFromColumns(
    { ...row, pending_interrupt: row.pending_interrupt === 1 },
    JSON.parse(row.body) as SessionBody,
  );
}

/** The columns of `events`, in the order of {@link EventRow}. */
export const EVENT_COLUMNS = 'session_id, seq, body';

/** An `events` row: the event without its session id, as JSON in `body` (see migration 2). */
export interface EventRow {
  session_id: string;
  seq: number;
  body: string;
}

/** The event fields a `body` holds, in the order the port's events list them. */
type EventBody = Omit<SessionEvent, 'sessionId'>;

/** The row that stores `event`. */
export function eventToRow(event: SessionEvent): EventRow {
  const body = { seq: event.seq, turn: event.turn, type: event.type, at: event.at, data: event.data };
  return { session_id: event.sessionId, seq: event.seq, body: toJson(body) };
}

/**
 * The event stored in a `body`, for session `sessionId`. One parse per event; the result is
 * rebuilt in the port's field order (seq, sessionId, …), which costs less than the parse of a
 * session id stored in every body would, and keeps answers identical across adapters.
 */
export function eventFromBody(sessionId: string, body: string): SessionEvent {
  const event = JSON.parse(body) as EventBody;
  return {
    seq: event.seq,
    sessionId,
    turn: event.turn,
    type: event.type,
    at: event.at,
    data: event.data,
  } as SessionEvent;
}

/** The columns of `inputs` a {@link QueuedInput} needs, plus the queue position. */
export const INPUT_COLUMNS =
  'position, session_id, id, text, files, idempotency_key, status, claim_token, consumed_seq, consumed_turn, created_at';

/** An `inputs` row. */
export interface InputRow {
  position: number;
  session_id: string;
  id: string;
  text: string;
  files: string;
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
    text: row.text,
    files: JSON.parse(row.files) as string[],
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
  state: string;
}

/** The row that stores `snapshot`. */
export function snapshotToRow(snapshot: SnapshotWithState): SnapshotRow {
  return {
    id: snapshot.id,
    session_id: snapshot.sessionId,
    seq: snapshot.seq,
    turn: snapshot.turn,
    state_version: snapshot.stateVersion,
    parent_snapshot_id: snapshot.parentSnapshotId,
    created_at: snapshot.createdAt,
    state: toJson(snapshot.state),
  };
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
    state: JSON.parse(row.state) as JsonObject,
  };
}

/** A `leases` row: `last_token` survives releases so fencing tokens never repeat. */
export interface LeaseRow {
  session_id: string;
  last_token: number;
  owner: string | null;
  token: number | null;
  expires_at: string | null;
}

/** The lease held in `row`, or null when it was released (expired leases are returned as is). */
export function leaseFromRow(row: LeaseRow | undefined): Lease | null {
  if (!row || row.owner === null || row.token === null || row.expires_at === null) return null;
  return { sessionId: row.session_id, owner: row.owner, token: row.token, expiresAt: row.expires_at };
}
