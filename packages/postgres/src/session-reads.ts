import type { SessionReads } from '@confab/sql-common';
import { findOwnLatestCompaction, readVisibleEvents } from './event-queries.js';
import { loadInheritance, loadSession } from './session-queries.js';
import { loadSnapshot } from './snapshots-and-forks.js';
import type { SqlRunner } from './sql-runner.js';

/**
 * The reads `@confab/sql-common`'s shared logic (fork planning, `readContext`) runs on, answered
 * with this adapter's SQL on `sql` (a REPEATABLE READ transaction, so all see one snapshot).
 */
export function sessionReads(sql: SqlRunner): SessionReads {
  return {
    loadSession: (sessionId) => loadSession(sql, sessionId),
    loadInheritance: (sessionId) => loadInheritance(sql, sessionId),
    loadSnapshot: (snapshotId) => loadSnapshot(sql, snapshotId, {}),
    findOwnLatestCompaction: (sessionId, afterSeq, throughSeq) =>
      findOwnLatestCompaction(sql, sessionId, afterSeq, throughSeq),
    readVisibleEvents: (record, after, limit, types) => readVisibleEvents(sql, record, after, limit, types),
  };
}
