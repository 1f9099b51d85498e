import type { SessionRecord } from 'confab';
import type { SweepRequest, SweepResult } from 'confab/store';
import type { StatementCache } from './connection.js';
import { EVENT_COLUMNS, SESSION_COLUMNS, type SessionRow, sessionFromRow } from './row-mapping.js';
import { loadSession, saveSession } from './session-queries.js';
import { closed } from './session-writes.js';
import { loopLimit } from './sql-limits.js';

/**
 * Hard-deletes a session with its events, inputs, snapshots, lease and files; returns the record
 * as it was, or undefined when missing.
 *
 * Copy-on-write's write: every fork reading through this session first receives a copy of the
 * events it inherits from it (same seq, turn and data, under the fork's id) and is re-linked to
 * this session's own parent, so forks stay readable and unchanged.
 */
export function deleteSessionCascade(statements: StatementCache, sessionId: string): SessionRecord | undefined {
  const record = loadSession(statements, sessionId);
  if (!record) return undefined;
  const children = statements.rows<{ id: string; inherits_from_seq: number }>(
    'SELECT id, inherits_from_seq FROM sessions WHERE inherits_from_session_id = ?',
    sessionId,
  );
  const base = record.inheritsFrom;
  for (const child of children) {
    statements.run(
      `INSERT INTO events (${EVENT_COLUMNS})
       SELECT ?, seq, body FROM events WHERE session_id = ? AND seq <= ?`,
      child.id,
      sessionId,
      child.inherits_from_seq,
    );
    statements.run(
      'UPDATE sessions SET inherits_from_session_id = ?, inherits_from_seq = ? WHERE id = ?',
      base ? base.sessionId : null,
      base ? Math.min(base.seq, child.inherits_from_seq) : null,
      child.id,
    );
  }
  for (const table of ['events', 'inputs', 'snapshots', 'leases', 'files']) {
    statements.run(`DELETE FROM ${table} WHERE session_id = ?`, sessionId);
  }
  statements.run('DELETE FROM sessions WHERE id = ?', sessionId);
  return record;
}

/**
 * `sweep` of the port, as one write task. Deletions run first, so a session closed by this call is
 * never deleted by it. Candidates are taken oldest first; sessions with a pending interrupt are
 * skipped unless `force`, and sessions under a live lease are never closed.
 */
export function sweep(statements: StatementCache, request: SweepRequest, now: Date): SweepResult {
  const limit = loopLimit(request.limit ?? 500);
  const force = request.force ? 1 : 0;
  const result: SweepResult = { closed: [], deleted: [] };
  if (request.deleteClosedBefore) {
    const rows = statements.rows<SessionRow>(
      `SELECT ${SESSION_COLUMNS} FROM sessions
       WHERE status = 'closed' AND closed_at IS NOT NULL AND closed_at < ? AND (? = 1 OR pending_interrupt = 0)
       ORDER BY closed_at, id LIMIT ?`,
      request.deleteClosedBefore,
      force,
      limit,
    );
    for (const row of rows) {
      result.deleted.push(sessionFromRow(row));
      deleteSessionCascade(statements, row.id);
    }
  }
  if (request.closeIdleBefore) {
    const at = now.toISOString();
    // Lease expiries are written by this store with toISOString, so text order is time order.
    const rows = statements.rows<SessionRow>(
      `SELECT ${SESSION_COLUMNS} FROM sessions
       WHERE status <> 'closed' AND last_activity_at < ? AND (? = 1 OR pending_interrupt = 0)
         AND NOT EXISTS (SELECT 1 FROM leases WHERE leases.session_id = sessions.id
                         AND leases.owner IS NOT NULL AND leases.expires_at > ?)
       ORDER BY last_activity_at, id LIMIT ?`,
      request.closeIdleBefore,
      force,
      at,
      limit,
    );
    for (const row of rows) result.closed.push(saveSession(statements, closed(sessionFromRow(row), at)));
  }
  return result;
}
