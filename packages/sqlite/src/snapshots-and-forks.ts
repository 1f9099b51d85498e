import type { ForkPlan } from '@confab/sql-common';
import { errors, type SessionRecord, type Snapshot, type SnapshotWithState } from 'confab';
import { buildForkRecord, type ForkRequest } from 'confab/store';
import type { StatementCache } from './connection.js';
import { SNAPSHOT_COLUMNS, type SnapshotRow, snapshotFromRow, snapshotToRow } from './row-mapping.js';
import { findByClientSessionId, insertSession, loadSession } from './session-queries.js';

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
