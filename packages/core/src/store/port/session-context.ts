import type { EventType, SessionEvent } from '../../model/event.js';
import type { SessionRecord } from '../../model/session.js';

/** What a turn needs to load: the latest compaction summary and the events after it. */
export interface SessionContext {
  session: SessionRecord;
  /** The newest `compaction` event visible to the session, or null (whatever `types` asked for). */
  compaction: Extract<SessionEvent, { type: 'compaction' }> | null;
  /**
   * Every event with seq greater than the compaction's `throughSeq` (all events when none),
   * oldest first, through fork parents; with `types`, only the events of those types.
   */
  events: SessionEvent[];
}

/** Options of `readContext`. */
export interface ReadContextOptions {
  /**
   * Only events of these types go into `events`, e.g. just what a prompt is built from. The
   * result is the unfiltered context's `events` with the others left out: same events, same
   * order, same seqs (so seqs have gaps), fork parents read through as without a filter; the
   * `compaction` field is reported regardless. An empty list yields no events (the session and
   * compaction are still returned). A name that is not a persisted event type (including the
   * stream-only deltas) fails with `invalid_argument`. Absent: every type. Adapters filter as
   * early as they can (in the query, before parsing), so what is left out costs little or nothing.
   */
  types?: readonly EventType[];
}
