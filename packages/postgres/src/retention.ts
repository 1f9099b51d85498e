import type { SessionRecord } from 'confab';
import type { SweepRequest, SweepResult } from 'confab/store';
import { leaseNowSql, type StoreClock } from './clock.js';
import type { Database } from './database.js';
import { SESSION_COLUMNS, type SessionRow, sessionFromRow, toJson } from './row-mapping.js';
import { lockSession, saveSession } from './session-queries.js';
import { closed } from './session-writes.js';
import { loopLimit } from './sql-limits.js';
import type { SqlRunner } from './sql-runner.js';

/**
 * Hard-deletes a session with its events, inputs, snapshots, lease and files, inside the caller's
 * transaction; returns the record as it was, or undefined when missing.
 *
 * Copy-on-write's write: every fork reading through this session first receives a copy of the
 * events it inherits from it (same seq, turn and data, under the fork's id) and is re-linked to
 * this session's own parent, so forks stay readable and unchanged. The session row is locked
 * first (`FOR UPDATE`: appends and new forks of it wait), then its forks (so none of them is
 * deleted halfway through the copy).
 */
export async function deleteSessionCascade(sql: SqlRunner, sessionId: string): Promise<SessionRecord | undefined> {
  const t = sql.tables;
  const locked = await lockSession(sql, sessionId, 'UPDATE');
  if (!locked) return undefined;
  const { record } = locked;
  const children = await sql.rows<{ id: string; through: number }>(
    `SELECT id, inherits_from_seq AS through FROM ${t.sessions}
     WHERE inherits_from_session_id = $1 FOR NO KEY UPDATE`,
    [sessionId],
  );
  if (children.length > 0) {
    await sql.run(
      `INSERT INTO ${t.events} (session_id, seq, turn, type, at, data)
       SELECT child.id, event.seq, event.turn, event.type, event.at, event.data
       FROM json_to_recordset($2::json) AS child(id text, through integer)
       JOIN ${t.events} AS event ON event.session_id = $1 AND event.seq <= child.through`,
      [sessionId, toJson(children)],
    );
    const base = record.inheritsFrom;
    await sql.run(
      `UPDATE ${t.sessions} SET inherits_from_session_id = $2::text,
         inherits_from_seq = CASE WHEN $2::text IS NULL THEN NULL ELSE least($3::integer, inherits_from_seq) END
       WHERE inherits_from_session_id = $1`,
      [sessionId, base?.sessionId ?? null, base?.seq ?? null],
    );
  }
  await sql.run(
    `WITH gone_events AS (DELETE FROM ${t.events} WHERE session_id = $1),
          gone_inputs AS (DELETE FROM ${t.inputs} WHERE session_id = $1),
          gone_snapshots AS (DELETE FROM ${t.snapshots} WHERE session_id = $1),
          gone_files AS (DELETE FROM ${t.files} WHERE session_id = $1)
     DELETE FROM ${t.sessions} WHERE id = $1`,
    [sessionId],
  );
  return record;
}

/**
 * `sweep` of the port, as one transaction. Deletions run first, so a session closed by this call
 * is never deleted by it. Candidates are taken oldest first; sessions with a pending interrupt are
 * skipped unless `force`, and sessions under a live lease are never closed. `SKIP LOCKED` keeps
 * sweepers in several processes from waiting on each other or on busy sessions (a session being
 * appended to is not idle).
 */
export async function sweep(
  database: Database,
  clock: StoreClock,
  request: SweepRequest,
  now: Date,
): Promise<SweepResult> {
  const limit = loopLimit(request.limit ?? 500);
  const force = request.force === true;
  const t = database.tables;
  return database.transaction(async (transaction) => {
    const result: SweepResult = { closed: [], deleted: [] };
    if (request.deleteClosedBefore) {
      const rows = await transaction.rows<SessionRow>(
        `SELECT ${SESSION_COLUMNS} FROM ${t.sessions}
         WHERE status = 'closed' AND closed_at IS NOT NULL AND closed_at < $1 AND ($2::boolean OR NOT pending_interrupt)
         ORDER BY closed_at, id LIMIT $3 FOR UPDATE SKIP LOCKED`,
        [request.deleteClosedBefore, force, limit],
      );
      for (const row of rows) {
        result.deleted.push(sessionFromRow(row));
        await deleteSessionCascade(transaction, row.id);
      }
    }
    if (request.closeIdleBefore) {
      const at = now.toISOString();
      const rows = await transaction.rows<SessionRow>(
        `SELECT ${SESSION_COLUMNS} FROM ${t.sessions}
         WHERE status <> 'closed' AND last_activity_at < $1 AND ($2::boolean OR NOT pending_interrupt)
           AND NOT (lease_owner IS NOT NULL AND lease_expires_at > ${leaseNowSql('$4')})
         ORDER BY last_activity_at, id LIMIT $3 FOR NO KEY UPDATE SKIP LOCKED`,
        [request.closeIdleBefore, force, limit, clock.leaseParameter()],
      );
      for (const row of rows) result.closed.push(await saveSession(transaction, closed(sessionFromRow(row), at)));
    }
    return result;
  }, 'write');
}
