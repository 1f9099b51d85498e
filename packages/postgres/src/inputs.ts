import { errors, type NewInput, type QueuedInput } from 'confab';
import { buildQueuedInput, type ClaimInputsRequest } from 'confab/store';
import type { Database } from './database.js';
import { INPUT_COLUMNS, type InputRow, inputFromRow, toJson } from './row-mapping.js';
import { requireLockedSession, requireSession } from './session-queries.js';
import { sliceLimit } from './sql-limits.js';
import type { SqlRunner } from './sql-runner.js';

/*
 * The input queue. Queue order is the `position` identity: it only grows, so "oldest first" is
 * "lowest position first".
 */

/** One input of a session by its idempotency key, or undefined. */
export async function findByIdempotencyKey(
  sql: SqlRunner,
  sessionId: string,
  key: string,
): Promise<QueuedInput | undefined> {
  const row = await sql.row<InputRow>(
    `SELECT ${INPUT_COLUMNS} FROM ${sql.tables.inputs} WHERE session_id = $1 AND idempotency_key = $2`,
    [sessionId, key],
  );
  return row && inputFromRow(row);
}

/**
 * `enqueueInput` of the port. The session row is held `FOR KEY SHARE` meanwhile, so a concurrent
 * hard delete waits and then deletes the new input with the session instead of leaving it behind.
 * Two enqueues racing with one idempotency key both end with the first input: the second insert
 * waits for the first to commit, does nothing, and reads the winner back.
 */
export async function enqueueInput(
  database: Database,
  sessionId: string,
  input: NewInput,
  now: Date,
): Promise<{ input: QueuedInput; created: boolean }> {
  const key = input.idempotencyKey ?? null;
  const outcome = await database.transaction(async (transaction) => {
    const { record: session } = await requireLockedSession(transaction, sessionId, 'KEY SHARE');
    if (key) {
      const existing = await findByIdempotencyKey(transaction, sessionId, key);
      if (existing) return { input: existing, created: false };
    }
    if (session.status === 'closed') throw errors.sessionClosed(sessionId);
    const queued = buildQueuedInput(sessionId, input, now.toISOString());
    // A taken input id is a unique violation (conflict); a taken key makes the insert do nothing.
    const inserted = await transaction.commitWith(
      `INSERT INTO ${transaction.tables.inputs} (session_id, id, payload, idempotency_key, status, created_at)
       VALUES ($1, $2, $3::json, $4, 'pending', $5)
       ON CONFLICT (session_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING position`,
      [sessionId, queued.id, toJson({ text: queued.text, files: queued.files }), key, queued.createdAt],
    );
    return inserted.length > 0 ? { input: queued, created: true } : null;
  }, 'write');
  if (outcome) return outcome;
  const winner = key ? await findByIdempotencyKey(database.reads, sessionId, key) : undefined;
  if (!winner) throw errors.conflict(`idempotency key ${key} is being reused; retry`);
  return { input: winner, created: false };
}

/** `getInput` of the port: `not_found` for a missing session, null for a missing input. */
export async function getInput(sql: SqlRunner, sessionId: string, inputId: string): Promise<QueuedInput | null> {
  const t = sql.tables;
  const row = await sql.row<InputRow | { [column in keyof InputRow]: null }>(
    `SELECT ${INPUT_COLUMNS.split(', ')
      .map((column) => `input.${column}`)
      .join(', ')}
     FROM ${t.sessions} AS session LEFT JOIN ${t.inputs} AS input ON input.session_id = session.id AND input.id = $2
     WHERE session.id = $1`,
    [sessionId, inputId],
  );
  if (!row) throw errors.notFound('session', sessionId);
  return row.position === null ? null : inputFromRow(row as InputRow);
}

/**
 * `claimInputs` of the port. `FOR UPDATE SKIP LOCKED` lets concurrent claimers, in any process,
 * pass each other's rows by instead of waiting: each input is claimed by exactly one of them, and
 * a row a claimer read as pending but another claimed meanwhile fails the recheck of the lock.
 */
export async function claimInputs(
  database: Database,
  sessionId: string,
  request: ClaimInputsRequest,
): Promise<QueuedInput[]> {
  await requireSession(database.reads, sessionId);
  const count = sliceLimit(request.max);
  if (count === 0) return [];
  const t = database.tables;
  const values: unknown[] = [sessionId, request.claimToken, count];
  const byId = request.ids ? `AND id = ANY($${values.push(request.ids)}::text[])` : '';
  const rows = await database.rows<InputRow>(
    `UPDATE ${t.inputs} SET status = 'claimed', claim_token = $2
     WHERE position IN (
       SELECT position FROM ${t.inputs} WHERE session_id = $1 AND status = 'pending' ${byId}
       ORDER BY position LIMIT $3 FOR UPDATE SKIP LOCKED)
     RETURNING ${INPUT_COLUMNS}`,
    values,
  );
  return rows.sort((a, b) => a.position - b.position).map(inputFromRow);
}

/** `releaseInputs` of the port. */
export async function releaseInputs(database: Database, sessionId: string, claimToken: string | undefined) {
  await requireSession(database.reads, sessionId);
  return database.run(
    `UPDATE ${database.tables.inputs} SET status = 'pending', claim_token = NULL
     WHERE session_id = $1 AND status = 'claimed' AND ($2::text IS NULL OR claim_token = $2::text)`,
    [sessionId, claimToken ?? null],
  );
}

/** `countPendingInputs` of the port. */
export async function countPendingInputs(sql: SqlRunner, sessionId: string): Promise<number> {
  const t = sql.tables;
  const row = await sql.row<{ count: number }>(
    `SELECT (SELECT count(*) FROM ${t.inputs} WHERE session_id = session.id AND status = 'pending') AS count
     FROM ${t.sessions} AS session WHERE session.id = $1`,
    [sessionId],
  );
  if (!row) throw errors.notFound('session', sessionId);
  return row.count;
}
