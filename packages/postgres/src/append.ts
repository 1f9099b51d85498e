import {
  errors,
  type Lease,
  type QueuedInput,
  type SessionEvent,
  type SessionRecord,
  type SnapshotWithState,
} from 'confab';
import {
  type AppendRequest,
  type AppendResult,
  applyAppendToSession,
  buildAppendedEvents,
  buildAppendedInputs,
  buildAppendSnapshot,
  checkAppend,
  type FoldedAppendRequest,
} from 'confab/store';
import { leaseNowSql, type StoreClock } from './clock.js';
import type { Database } from './database.js';
import { APPEND_CHANNEL, type AppendNotice, encodeAppendNotice } from './notices.js';
import {
  eventsParameter,
  LEASE_COLUMNS,
  type LeaseColumns,
  leaseFromRow,
  SESSION_COLUMNS,
  type SessionRow,
  SNAPSHOT_COLUMNS,
  sessionFromRow,
  snapshotValues,
  toJson,
} from './row-mapping.js';
import { saveSessionStatement } from './session-queries.js';
import type { SqlRunner } from './sql-runner.js';

/**
 * `appendEvents` of the port, as one transaction of two round trips:
 *
 * 1. `BEGIN` + lock the session row (`FOR NO KEY UPDATE`), and in the same statement read the
 *    lease clock after the lock was granted and lock the inputs to consume. The lease lives in
 *    that row, so the lock also freezes the lease; concurrent appenders to the session queue
 *    here, which is what keeps seqs contiguous.
 * 2. One statement that inserts every event, saves the session, marks the inputs consumed, takes
 *    the snapshot and queues the `NOTIFY`, sent together with `COMMIT`. PostgreSQL delivers the
 *    notification only if the transaction commits.
 *
 * The rules themselves are core's shared helpers; this only maps them onto tables. `folded`
 * (`appendFolded`): inputs inserted already consumed, and the lease cleared, by the same statement.
 */
export async function appendEvents(
  database: Database,
  clock: StoreClock,
  request: AppendRequest,
  notice: Omit<AppendNotice, 'sessionId' | 'lastSeq'>,
  folded: Pick<FoldedAppendRequest, 'newInputs' | 'releaseLease'> = {},
): Promise<AppendResult> {
  return database.transaction(async (transaction) => {
    const consumeIds = request.consumeInputIds ?? [];
    const {
      record: before,
      lease,
      leaseNow,
      inputStatus,
    } = await lockForAppend(transaction, clock, request.sessionId, consumeIds);
    checkAppend(before, request, lease, leaseNow);
    for (const inputId of consumeIds) {
      if (inputStatus.get(inputId) !== 'claimed') throw errors.conflict(`input ${inputId} is not claimed`);
    }
    const at = clock.now().toISOString();
    const events = buildAppendedEvents(before, request, at);
    const after = applyAppendToSession(before, request, events, at);
    const snapshot = buildAppendSnapshot(before, after, request, events, at);
    const [statement, values] = writeStatement(transaction, {
      // checkAppend proved the request's lease is the session's current one: it may be cleared.
      session: saveSessionStatement(transaction, after, 1, folded.releaseLease === true),
      events,
      queued: buildAppendedInputs(before.id, folded.newInputs ?? [], events, at),
      consumed: consumeIds.map((inputId) => consumedBy(inputId, events)),
      snapshot,
      notice: encodeAppendNotice({ ...notice, sessionId: after.id, lastSeq: after.lastSeq }),
    });
    await transaction.commitWith(statement, values);
    return { events, session: after };
  }, 'write');
}

/**
 * Locks the session row (`FOR NO KEY UPDATE`) and, in the same statement, reads the lease clock
 * and locks the inputs to consume. The lock is taken in a `MATERIALIZED` CTE: the outer
 * projection, where the clock is read and the (correlated) inputs subquery runs, only sees the
 * row once the lock was granted, so the clock is never older than the lock. The row is the latest
 * committed version (READ COMMITTED re-reads a row it had to wait for), and so are the inputs.
 */
async function lockForAppend(
  sql: SqlRunner,
  clock: StoreClock,
  sessionId: string,
  inputIds: string[],
): Promise<{ record: SessionRecord; lease: Lease | null; leaseNow: Date; inputStatus: Map<string, string> }> {
  const row = await sql.row<SessionRow & LeaseColumns & { lease_now: Date; inputs: { id: string; status: string }[] }>(
    `WITH locked AS MATERIALIZED (
       SELECT ${SESSION_COLUMNS}, ${LEASE_COLUMNS} FROM ${sql.tables.sessions} WHERE id = $1 FOR NO KEY UPDATE
     )
     SELECT locked.*, ${leaseNowSql('$2')} AS lease_now,
       coalesce((SELECT json_agg(json_build_object('id', queued.id, 'status', queued.status))
                 FROM (SELECT id, status FROM ${sql.tables.inputs}
                       WHERE session_id = locked.id AND id = ANY($3::text[]) FOR UPDATE) AS queued), '[]') AS inputs
     FROM locked`,
    [sessionId, clock.leaseParameter(), inputIds],
  );
  if (!row) throw errors.notFound('session', sessionId);
  return {
    record: sessionFromRow(row),
    lease: leaseFromRow(row.id, row),
    leaseNow: row.lease_now,
    inputStatus: new Map(row.inputs.map((input) => [input.id, input.status])),
  };
}

/** Which event of the batch consumed an input (its `input` event), as stored on the input. */
function consumedBy(inputId: string, events: SessionEvent[]) {
  const event = events.find((candidate) => candidate.type === 'input' && candidate.data.inputId === inputId);
  return { id: inputId, seq: event?.seq ?? null, turn: event?.turn ?? null };
}

interface AppendWrites {
  /** The session update, as built by `saveSessionStatement` with placeholders from $1. */
  session: [string, unknown[]];
  events: SessionEvent[];
  /** Inputs queued already consumed (`appendFolded`); a used id or key violates a unique index. */
  queued: QueuedInput[];
  consumed: { id: string; seq: number | null; turn: number | null }[];
  snapshot: SnapshotWithState | null;
  notice: string;
}

/**
 * Every write of an append as one statement. Data-modifying CTEs all run, referenced or not, and
 * they run on one snapshot, so none of them may depend on another's effect; they touch disjoint
 * rows. The events arrive as one JSON array unpacked by `json_to_recordset`: a batch of a
 * thousand events is still one statement with one parameter.
 */
function writeStatement(sql: SqlRunner, writes: AppendWrites): [string, unknown[]] {
  const t = sql.tables;
  const [saveSession, values] = writes.session;
  const bind = (value: unknown) => `$${values.push(value)}`;
  const sessionId = '$1';
  const eventRows = bind(eventsParameter(writes.events));
  const consumedRows = bind(toJson(writes.consumed));
  const queuedRows = bind(
    toJson(
      writes.queued.map((input) => ({
        id: input.id,
        payload: { text: input.text, files: input.files },
        idempotency_key: input.idempotencyKey,
        seq: input.consumedSeq,
        turn: input.consumedTurn,
        created_at: input.createdAt,
      })),
    ),
  );
  const snapshot = writes.snapshot ? snapshotValues(writes.snapshot) : Array.from({ length: 8 }, () => null);
  const snapshotTypes = ['text', 'text', 'integer', 'integer', 'integer', 'text', 'text', 'json'];
  const snapshotPlaceholders = snapshot.map((value, index) => `${bind(value)}::${snapshotTypes[index]}`);
  const notice = bind(writes.notice);
  const statement = `WITH appended AS (
      INSERT INTO ${t.events} (session_id, seq, turn, type, at, data)
      SELECT ${sessionId}, event.seq, event.turn, event.type, event.at, event.data
      FROM json_to_recordset(${eventRows}::json) AS event(seq integer, turn integer, type text, at text, data json)
    ), saved AS (
      ${saveSession}
    ), consumed AS (
      UPDATE ${t.inputs} AS queued SET status = 'consumed', consumed_seq = input.seq, consumed_turn = input.turn
      FROM json_to_recordset(${consumedRows}::json) AS input(id text, seq integer, turn integer)
      WHERE queued.session_id = ${sessionId} AND queued.id = input.id
    ), queued AS (
      INSERT INTO ${t.inputs} (session_id, id, payload, idempotency_key, status, consumed_seq, consumed_turn, created_at)
      SELECT ${sessionId}, input.id, input.payload, input.idempotency_key, 'consumed', input.seq, input.turn, input.created_at
      FROM json_to_recordset(${queuedRows}::json)
        AS input(id text, payload json, idempotency_key text, seq integer, turn integer, created_at text)
    ), snapshot AS (
      INSERT INTO ${t.snapshots} (${SNAPSHOT_COLUMNS})
      SELECT ${snapshotPlaceholders.join(', ')} WHERE ${snapshotPlaceholders[0]} IS NOT NULL
    )
    SELECT pg_notify('${APPEND_CHANNEL}', ${notice})`;
  return [statement, values];
}
