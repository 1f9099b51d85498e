import type { SessionReads } from '@confab/sql-common';
import type { StatementCache } from './connection.js';
import { findOwnLatestCompaction, readVisibleEvents } from './event-queries.js';
import { loadInheritance, loadSession } from './session-queries.js';
import { loadSnapshot } from './snapshots-and-forks.js';

/**
 * The reads `@confab/sql-common`'s shared logic (fork planning, `readContext`) runs on, answered
 * with this adapter's SQL on `statements` (the snapshot connection inside one read).
 */
export function sessionReads(statements: StatementCache): SessionReads {
  return {
    loadSession: (sessionId) => loadSession(statements, sessionId),
    loadInheritance: (sessionId) => loadInheritance(statements, sessionId),
    loadSnapshot: (snapshotId) => loadSnapshot(statements, snapshotId, {}),
    findOwnLatestCompaction: (sessionId, afterSeq, throughSeq) =>
      findOwnLatestCompaction(statements, sessionId, afterSeq, throughSeq),
    readVisibleEvents: (record, after, limit, types) => readVisibleEvents(statements, record, after, limit, types),
  };
}
