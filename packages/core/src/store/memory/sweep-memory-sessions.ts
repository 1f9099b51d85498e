import type { SessionRecord } from '../../model/session.js';
import { applySessionPatch } from '../kit/session-record.js';
import type { SweepRequest, SweepResult } from '../port/sweep-request.js';
import { copy } from './copy.js';
import type { MemorySessionTable } from './memory-session-table.js';

/**
 * `MemoryStore.sweep`: closes idle sessions and hard-deletes long-closed ones (see `SweepRequest`).
 * Deletion goes through `deleteSession` so that a swept session loses its snapshots and files too.
 * The result holds copies, taken as each record was just before deletion or just after closing.
 */
export async function sweepMemorySessions(
  sessions: MemorySessionTable,
  request: SweepRequest,
  now: () => Date,
  deleteSession: (sessionId: string) => Promise<boolean>,
): Promise<SweepResult> {
  const limit = request.limit ?? 500;
  const result: SweepResult = { closed: [], deleted: [] };
  const eligible = (record: SessionRecord) => request.force || !record.pendingInterrupt;
  if (request.deleteClosedBefore) {
    for (const slot of [...sessions.values()]) {
      const record = slot.record;
      if (result.deleted.length >= limit) break;
      if (record.status !== 'closed' || !record.closedAt || record.closedAt >= request.deleteClosedBefore) continue;
      if (!eligible(record)) continue;
      result.deleted.push(copy(record));
      await deleteSession(record.id);
    }
  }
  if (request.closeIdleBefore) {
    for (const slot of sessions.values()) {
      if (result.closed.length >= limit) break;
      const record = slot.record;
      if (record.status === 'closed' || record.lastActivityAt >= request.closeIdleBefore || !eligible(record)) continue;
      if (slot.lease.live(now())) continue;
      const at = now().toISOString();
      slot.record = { ...applySessionPatch(record, {}, at), status: 'closed', closedAt: at };
      result.closed.push(copy(slot.record));
    }
  }
  return result;
}
