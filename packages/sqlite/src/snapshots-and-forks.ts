import { errors, type SessionRecord, type Snapshot, type SnapshotWithState } from 'confab';
import { buildForkRecord, chooseForkSnapshot, type ForkRequest, findLatestInChain, resolveChain } from 'confab/store';
import type { StatementCache } from './connection.js';
import { findOwnLatestCompaction } from './event-queries.js';
import { SNAPSHOT_COLUMNS, type SnapshotRow, snapshotFromRow, snapshotToRow } from './row-mapping.js';
import { findByClientSessionId, insertSession, loadInheritance, loadSession } from './session-queries.js';

/** Stores a snapshot; `conflict` when its id is taken. */
export function insertSnapshot(statements: StatementCache, snapshot: SnapshotWithState): void {
  if (statements.row('SELECT 1 FROM snapshots WHERE id = ?', snapshot.id)) {
    throw errors.conflict(`snapshot ${snapshot.id} exists`);
  }
  statements.run(
    `INSERT INTO snapshots (${SNAPSHOT_COLUMNS})
     VALUES (@id, @session_id, @seq, @turn, @state_version, @parent_snapshot_id, @created_at, @state)`,
    snapshotToRow(snapshot),
  );
}

/** True when a snapshot with this id exists. */
export function snapshotExists(statements: StatementCache, snapshotId: string): boolean {
  return statements.row('SELECT 1 FROM snapshots WHERE id = ?', snapshotId) !== undefined;
}

/** `getSnapshot` of the port: null when missing or, with `appId`, owned by another app. */
export function loadSnapshot(
  statements: StatementCache,
  snapshotId: string,
  scope: { appId?: string },
): SnapshotWithState | null {
  const row = statements.row<SnapshotRow & { app_id: string | null }>(
    `SELECT snapshots.*, sessions.app_id AS app_id
     FROM snapshots LEFT JOIN sessions ON sessions.id = snapshots.session_id WHERE snapshots.id = ?`,
    snapshotId,
  );
  if (!row) return null;
  if (scope.appId !== undefined && row.app_id !== scope.appId) return null;
  return snapshotFromRow(row);
}

/** A session's snapshots without their state, oldest first. */
export function listSnapshotsOf(statements: StatementCache, sessionId: string): Snapshot[] {
  return statements
    .rows<SnapshotRow>(`SELECT ${SNAPSHOT_COLUMNS} FROM snapshots WHERE session_id = ? ORDER BY seq, rowid`, sessionId)
    .map((row) => {
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
 * The read half of `forkSession`, run inside one snapshot read: finds the source, the snapshot
 * and the newest compaction at the fork point (through the source's own fork parents). Fails
 * with `not_found` exactly as MemoryStore does.
 */
export async function planFork(statements: StatementCache, request: ForkRequest): Promise<ForkPlan> {
  const source = loadSession(statements, request.sessionId);
  if (!source || source.appId !== request.appId) throw errors.notFound('session', request.sessionId);
  const snapshot = await chooseForkSnapshot(source, request.snapshotId, (id) => loadSnapshot(statements, id, {}));
  const seq = snapshot ? snapshot.seq : source.lastSeq;
  const segments = await resolveChain(source, (sessionId) => loadInheritance(statements, sessionId));
  const compaction = await findLatestInChain(segments, seq, (sessionId, afterSeq, throughSeq) =>
    findOwnLatestCompaction(statements, sessionId, afterSeq, throughSeq),
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
 * The write half of `forkSession`, run as a write task. Events up to the fork point never change
 * (a parent's deletion copies them unchanged into its children), so the plan stays valid as long
 * as the source still exists, which is checked again here.
 */
export function commitFork(statements: StatementCache, request: ForkRequest, plan: ForkPlan, now: Date): SessionRecord {
  if (!loadSession(statements, plan.source.id)) throw errors.notFound('session', request.sessionId);
  if (request.clientSessionId && findByClientSessionId(statements, request.appId, request.clientSessionId)) {
    throw errors.conflict(`clientSessionId ${request.clientSessionId} is already used`);
  }
  const record = buildForkRecord(
    plan.source,
    { seq: plan.seq, turn: plan.turn, snapshot: plan.snapshot, compactionSeq: plan.compactionSeq },
    request,
    now.toISOString(),
  );
  return insertSession(statements, record);
}
