import { errors, type NewInput, type QueuedInput, type SessionEvent } from 'confab';
import { buildQueuedInput, type ClaimInputsRequest } from 'confab/store';
import type { StatementCache } from './connection.js';
import { INPUT_COLUMNS, type InputRow, inputFromRow, toJson } from './row-mapping.js';
import { requireSession } from './session-queries.js';
import { sliceLimit } from './sql-limits.js';

/*
 * The input queue. Queue order is the `position` rowid: it only grows while rows exist, so
 * "oldest first" is "lowest position first".
 */

/** One input of a session, or undefined. */
export function loadInput(statements: StatementCache, sessionId: string, inputId: string): QueuedInput | undefined {
  const row = statements.row<InputRow>(
    `SELECT ${INPUT_COLUMNS} FROM inputs WHERE session_id = ? AND id = ?`,
    sessionId,
    inputId,
  );
  return row && inputFromRow(row);
}

/** Marks a claimed input consumed by `event` (the `input` event written for it), or by nothing. */
export function markInputConsumed(statements: StatementCache, input: QueuedInput, event: SessionEvent | null): void {
  statements.run(
    "UPDATE inputs SET status = 'consumed', consumed_seq = ?, consumed_turn = ? WHERE session_id = ? AND id = ?",
    event?.seq ?? null,
    event?.turn ?? null,
    input.sessionId,
    input.id,
  );
}

/** The session's input queued with `idempotencyKey`, or undefined. */
export function loadInputByKey(
  statements: StatementCache,
  sessionId: string,
  idempotencyKey: string,
): QueuedInput | undefined {
  const row = statements.row<InputRow>(
    `SELECT ${INPUT_COLUMNS} FROM inputs WHERE session_id = ? AND idempotency_key = ?`,
    sessionId,
    idempotencyKey,
  );
  return row && inputFromRow(row);
}

/**
 * Stores inputs that are consumed as they are queued (`appendFolded`). A used id or key
 * violates a unique index, which the store reports as `conflict`.
 */
export function insertConsumedInputs(statements: StatementCache, consumed: QueuedInput[]): void {
  for (const input of consumed) {
    statements.run(
      `INSERT INTO inputs (session_id, id, text, files, idempotency_key, status, consumed_seq, consumed_turn, created_at)
       VALUES (?, ?, ?, ?, ?, 'consumed', ?, ?, ?)`,
      input.sessionId,
      input.id,
      input.text,
      toJson(input.files),
      input.idempotencyKey,
      input.consumedSeq,
      input.consumedTurn,
      input.createdAt,
    );
  }
}

/** `enqueueInput` of the port, as one write task. */
export function enqueueInput(
  statements: StatementCache,
  sessionId: string,
  input: NewInput,
  now: Date,
): { input: QueuedInput; created: boolean } {
  const session = requireSession(statements, sessionId);
  if (input.idempotencyKey) {
    const existing = loadInputByKey(statements, sessionId, input.idempotencyKey);
    if (existing) return { input: existing, created: false };
  }
  if (session.status === 'closed') throw errors.sessionClosed(sessionId);
  const queued = buildQueuedInput(sessionId, input, now.toISOString());
  if (loadInput(statements, sessionId, queued.id)) throw errors.conflict(`input ${queued.id} exists`);
  statements.run(
    `INSERT INTO inputs (session_id, id, text, files, idempotency_key, status, created_at)
     VALUES (?, ?, ?, ?, ?, 'pending', ?)`,
    sessionId,
    queued.id,
    queued.text,
    toJson(queued.files),
    queued.idempotencyKey,
    queued.createdAt,
  );
  return { input: queued, created: true };
}

/**
 * `claimInputs` of the port, as one write task: concurrent claimers (also in other processes) are
 * serialised by the write lock, so they receive disjoint sets.
 */
export function claimInputs(statements: StatementCache, sessionId: string, request: ClaimInputsRequest): QueuedInput[] {
  requireSession(statements, sessionId);
  const count = sliceLimit(request.max);
  if (count === 0) return [];
  const rows = request.ids
    ? statements.rows<InputRow>(
        `SELECT ${INPUT_COLUMNS} FROM inputs
         WHERE session_id = ? AND status = 'pending' AND id IN (SELECT value FROM json_each(?))
         ORDER BY position LIMIT ?`,
        sessionId,
        toJson(request.ids),
        count,
      )
    : statements.rows<InputRow>(
        `SELECT ${INPUT_COLUMNS} FROM inputs WHERE session_id = ? AND status = 'pending' ORDER BY position LIMIT ?`,
        sessionId,
        count,
      );
  for (const row of rows) {
    statements.run(
      "UPDATE inputs SET status = 'claimed', claim_token = ? WHERE position = ?",
      request.claimToken,
      row.position,
    );
  }
  return rows.map((row) => ({ ...inputFromRow(row), status: 'claimed', claimToken: request.claimToken }));
}

/** `releaseInputs` of the port, as one write task. */
export function releaseInputs(statements: StatementCache, sessionId: string, claimToken: string | undefined): number {
  requireSession(statements, sessionId);
  return statements.run(
    `UPDATE inputs SET status = 'pending', claim_token = NULL
     WHERE session_id = ? AND status = 'claimed' AND (? IS NULL OR claim_token = ?)`,
    sessionId,
    claimToken ?? null,
    claimToken ?? null,
  );
}

/** `countPendingInputs` of the port. */
export function countPendingInputs(statements: StatementCache, sessionId: string): number {
  requireSession(statements, sessionId);
  const row = statements.row<{ count: number }>(
    "SELECT count(*) AS count FROM inputs WHERE session_id = ? AND status = 'pending'",
    sessionId,
  );
  return row?.count ?? 0;
}
