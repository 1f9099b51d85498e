import { type EventType, errors } from 'confab';
import type { SessionContext } from 'confab/store';
import type { SessionReads } from './session-reads.js';

/**
 * `readContext` of the port on one consistent snapshot of `reads`: the record points at its newest
 * compaction, so the cost is one keyed read plus the tail after it, whatever the log's length.
 * `types` was resolved by `checkEventTypes` (null: every type; empty: no events, nothing read).
 * Fails with `not_found` for a missing session.
 */
export async function readSessionContext(
  reads: SessionReads,
  sessionId: string,
  types: readonly EventType[] | null = null,
): Promise<SessionContext> {
  const session = await reads.loadSession(sessionId);
  if (!session) throw errors.notFound('session', sessionId);
  let compaction: SessionContext['compaction'] = null;
  if (session.compactionSeq !== null) {
    const [event] = await reads.readVisibleEvents(session, session.compactionSeq - 1, 1);
    if (event?.type === 'compaction') compaction = event;
  }
  const events =
    types?.length === 0
      ? []
      : await reads.readVisibleEvents(session, compaction?.data.throughSeq ?? 0, Number.MAX_SAFE_INTEGER, types);
  return { session, compaction, events };
}
