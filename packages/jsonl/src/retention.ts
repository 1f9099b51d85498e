import type { SessionRecord } from 'confab';
import type { SweepRequest, SweepResult } from 'confab/store';
import type { SessionSummary } from './session-catalog.js';

/** What the sweep needs from the store; the caller holds the global lock throughout. */
export interface RetentionContext {
  /** The index of sessions, in creation order. */
  records: Map<string, SessionSummary>;
  /**
   * Closes the session when `stillIdle` holds for its current record and no live lease is held on
   * it; returns the closed record, or null when it was left alone.
   */
  closeIfIdle(sessionId: string, stillIdle: (record: SessionSummary) => boolean): Promise<SessionRecord | null>;
  /** Hard-deletes the session when `stillDue` holds for its current record; returns it, or null. */
  deleteIf(sessionId: string, stillDue: (record: SessionSummary) => boolean): Promise<SessionRecord | null>;
}

/**
 * The port's `sweep`, with MemoryStore's rules: first hard-delete sessions closed before
 * `deleteClosedBefore`, then close sessions idle since before `closeIdleBefore` (skipping leased
 * ones); sessions with a pending interrupt only when forced; at most `limit` per category. Each
 * candidate is re-checked under its own lock, since appends and updates do not take the global one.
 */
export async function sweepSessions(context: RetentionContext, request: SweepRequest): Promise<SweepResult> {
  const limit = request.limit ?? 500;
  const result: SweepResult = { closed: [], deleted: [] };
  const eligible = (record: SessionSummary) => request.force || !record.pendingInterrupt;
  const deleteBefore = request.deleteClosedBefore;
  if (deleteBefore) {
    const due = (record: SessionSummary) =>
      record.status === 'closed' && !!record.closedAt && record.closedAt < deleteBefore && eligible(record);
    for (const sessionId of [...context.records.keys()]) {
      if (result.deleted.length >= limit) break;
      const record = context.records.get(sessionId);
      if (!record || !due(record)) continue;
      const deleted = await context.deleteIf(sessionId, due);
      if (deleted) result.deleted.push(structuredClone(deleted));
    }
  }
  const closeBefore = request.closeIdleBefore;
  if (closeBefore) {
    const idle = (record: SessionSummary) =>
      record.status !== 'closed' && record.lastActivityAt < closeBefore && eligible(record);
    for (const sessionId of [...context.records.keys()]) {
      if (result.closed.length >= limit) break;
      const record = context.records.get(sessionId);
      if (!record || !idle(record)) continue;
      const closed = await context.closeIfIdle(sessionId, idle);
      if (closed) result.closed.push(structuredClone(closed));
    }
  }
  return result;
}
