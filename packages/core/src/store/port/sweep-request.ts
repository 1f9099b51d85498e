import type { SessionRecord } from '../../model/session.js';

/** Input to `sweep`: both thresholds are optional and independent. */
export interface SweepRequest {
  /** Active or archived sessions whose `lastActivityAt` is older than this are closed. */
  closeIdleBefore?: string;
  /** Closed sessions whose `closedAt` is older than this are hard-deleted. */
  deleteClosedBefore?: string;
  /** Also touch sessions with a pending interrupt (they are skipped otherwise). */
  force?: boolean;
  /** At most this many sessions per category in one call. Default 500. */
  limit?: number;
}

/** What `sweep` changed, as the records were just before deletion or just after closing. */
export interface SweepResult {
  closed: SessionRecord[];
  deleted: SessionRecord[];
}
