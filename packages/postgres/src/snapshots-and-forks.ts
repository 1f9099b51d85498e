import { errors, type SessionRecord, type Snapshot, type SnapshotWithState } from 'confab';
import { buildForkRecord, chooseForkSnapshot, type ForkRequest, findLatestInChain, resolveChain } from 'confab/store';
import { findOwnLatestCompaction } from './event-queries.js';
import { SESSION_COLUMNS, SNAPSHOT_COLUMNS, type SnapshotRow, sessionValues, snapshotFromRow } from './row-mapping.js';
import { loadInheritance, loadSession, sessionPlaceholders } from './session-queries.js';
import type { SqlRunner } from './sql-runner.js';

/** `getSnapshot` of the port: null when missing or, with `appId`, owned by another app. */
export async function loadSnapshot(
  sql: SqlRunner,
  snapshotId: string,
  scope: { appId?: string },
): Promise<SnapshotWithState | null> {
  const t = sql.tables;
  const row = await sql.row<SnapshotRow & { app_id: string | null }>(
    `SELECT ${SNAPSHOT_COLUMNS.split(', ')
      .map((column) => `snapshot.${column}`)
      .join(', ')}, session.app_id
     FROM ${t.snapshots} AS snapshot LEFT JOIN ${t.sessions} AS session ON session.id = snapshot.session_id
     WHERE snapshot.id = $1`,
    [snapshotId],
  );
  if (!row) return null;
  if (scope.appId !== undefined && row.app_id !== scope.appId) return null;
  return snapshotFromRow(row);
}

/** A session's snapshots without their state, oldest first. */
export async function listSnapshotsOf(sql: SqlRunner, sessionId: string): Promise<Snapshot[]> {
  const rows = await sql.rows<SnapshotRow>(
    `SELECT ${SNAPSHOT_COLUMNS} FROM ${sql.tables.snapshots} WHERE session_id = $1 ORDER BY seq, created_at, id`,
    [sessionId],
  );
  return rows.map((row) => {
    const { state: _state, ...snapshot } = snapshotFromRow(row);
    return snapshot;
  });
}

/** What a fork is taken from, resolved by {@link planFork}. */
export interface ForkPlan {
  source: SessionRecord;
  snapshot: SnapshotWithState | null;
  seq: number;
  turn: number;
  compactionSeq: number | null;
}

/**
 * The read half of `forkSession`, run inside one REPEATABLE READ snapshot: finds the source, the
 * snapshot and the newest compaction at the fork point (through the source's own fork parents).
 * Fails with `not_found` exactly as MemoryStore does.
 */
export async function planFork(sql: SqlRunner, request: ForkRequest): Promise<ForkPlan> {
  const source = await loadSession(sql, request.sessionId);
  if (!source || source.appId !== request.appId) throw errors.notFound('session', request.sessionId);
  const snapshot = await chooseForkSnapshot(source, request.snapshotId, (id) => loadSnapshot(sql, id, {}));
  const seq = snapshot ? snapshot.seq : source.lastSeq;
  const segments = await resolveChain(source, (sessionId) => loadInheritance(sql, sessionId));
  const compaction = await findLatestInChain(segments, seq, (sessionId, afterSeq, throughSeq) =>
    findOwnLatestCompaction(sql, sessionId, afterSeq, throughSeq),
  );
  return {
    source,
    snapshot,
    seq,
    turn: snapshot ? snapshot.turn : source.turnCount,
    compactionSeq: compaction?.seq ?? null,
  };
}

/**
 * The write half of `forkSession`, one statement. Events up to the fork point never change (a
 * parent's deletion copies them unchanged into its children), so the plan stays valid as long as
 * the source still exists: the statement inserts the fork only if it can lock the source row
 * against deletion (`FOR KEY SHARE`, which appends to the source do not wait for); a deletion
 * that follows then sees the fork and copies the inherited events into it.
 */
export async function commitFork(
  sql: SqlRunner,
  request: ForkRequest,
  plan: ForkPlan,
  now: Date,
): Promise<SessionRecord> {
  const record = buildForkRecord(
    plan.source,
    { seq: plan.seq, turn: plan.turn, snapshot: plan.snapshot, compactionSeq: plan.compactionSeq },
    request,
    now.toISOString(),
  );
  const t = sql.tables;
  // Conflicts (the id or the client session id is taken) surface as unique violations.
  const inserted = await sql.row(
    `WITH source AS (SELECT id FROM ${t.sessions} WHERE id = $12 FOR KEY SHARE)
     INSERT INTO ${t.sessions} (${SESSION_COLUMNS}) SELECT ${sessionPlaceholders()} FROM source RETURNING id`,
    [...sessionValues(record), plan.source.id],
  );
  if (!inserted) throw errors.notFound('session', request.sessionId);
  return record;
}
