import type { EventType, SessionEvent, SessionRecord } from 'confab';
import {
  checkAfter,
  clampLimit,
  type EventPage,
  PAGE_LIMITS,
  type ReadEventsQuery,
  readChain,
  resolveChain,
  type SessionContext,
} from 'confab/store';
import type { StatementCache } from './connection.js';
import { EVENT_COLUMNS, type EventRow, eventFromBody, eventToRow } from './row-mapping.js';
import { loadInheritance, requireSession } from './session-queries.js';

/** Stores events whose seqs were assigned by `buildAppendedEvents`. */
export function insertEvents(statements: StatementCache, events: SessionEvent[]): void {
  for (const event of events) {
    statements.run(`INSERT INTO events (${EVENT_COLUMNS}) VALUES (@session_id, @seq, @body)`, eventToRow(event));
  }
}

/**
 * A session's own events (never through fork parents) in (`afterSeq`, `throughSeq`], oldest first,
 * only those of `types` when it is not null. One column per row, plucked: the per-row cost is one
 * string and one JSON.parse; rows of other types are skipped on the `type` column, unparsed.
 */
export function readOwnEvents(
  statements: StatementCache,
  sessionId: string,
  afterSeq: number,
  throughSeq: number,
  limit: number,
  types: readonly EventType[] | null = null,
): SessionEvent[] {
  const bodies =
    types === null
      ? statements.column<string>(
          'SELECT body FROM events WHERE session_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?',
          sessionId,
          afterSeq,
          throughSeq,
          limit,
        )
      : statements.column<string>(
          // One placeholder per type: a statement per filter size, cached like any other.
          `SELECT body FROM events WHERE session_id = ? AND seq > ? AND seq <= ?
           AND type IN (${types.map(() => '?').join(', ')}) ORDER BY seq LIMIT ?`,
          sessionId,
          afterSeq,
          throughSeq,
          ...types,
          limit,
        );
  const events = new Array<SessionEvent>(bodies.length);
  for (let index = 0; index < bodies.length; index++) events[index] = eventFromBody(sessionId, bodies[index] as string);
  return events;
}

/**
 * A session's own newest `compaction` in (`afterSeq`, `throughSeq`]. The partial index holds only
 * compactions, so this never scans the events between them.
 */
export function findOwnLatestCompaction(
  statements: StatementCache,
  sessionId: string,
  afterSeq: number,
  throughSeq: number,
): SessionEvent | null {
  const row = statements.row<Pick<EventRow, 'body'>>(
    `SELECT body FROM events INDEXED BY events_compactions
     WHERE session_id = ? AND type = 'compaction' AND seq > ? AND seq <= ?
     ORDER BY seq DESC LIMIT 1`,
    sessionId,
    afterSeq,
    throughSeq,
  );
  return row ? eventFromBody(sessionId, row.body) : null;
}

/** Up to `limit` events visible to `record` after `after` (of `types` only, unless null), through its fork parents. */
export async function readVisibleEvents(
  statements: StatementCache,
  record: SessionRecord,
  after: number,
  limit: number,
  types: readonly EventType[] | null = null,
): Promise<SessionEvent[]> {
  const segments = await resolveChain(record, (sessionId) => loadInheritance(statements, sessionId));
  return readChain(record.id, segments, after, limit, (sessionId, afterSeq, throughSeq, max) =>
    readOwnEvents(statements, sessionId, afterSeq, throughSeq, max, types),
  );
}

/** `readEvents` of the port, run inside one snapshot read. */
export async function readEventPage(
  statements: StatementCache,
  sessionId: string,
  query: ReadEventsQuery,
): Promise<EventPage> {
  const record = requireSession(statements, sessionId);
  const limit = clampLimit(query.limit, PAGE_LIMITS.events);
  const events = await readVisibleEvents(statements, record, checkAfter(query.after), limit);
  const last = events[events.length - 1];
  return { events, nextAfter: last && last.seq < record.lastSeq ? last.seq : null };
}

/**
 * `readContext` of the port for a session that is not a fork, synchronously, inside the caller's
 * transaction; null for a fork, whose visible log spans its parents (read it with
 * {@link readSessionContext} in a snapshot read). A root's log is its own events alone, so one
 * transaction on the writer connection is consistent without the snapshot connection's
 * BEGIN/COMMIT and awaits: the runner's load before every turn.
 */
export function readRootContext(
  statements: StatementCache,
  sessionId: string,
  types: readonly EventType[] | null = null,
): SessionContext | null {
  const session = requireSession(statements, sessionId);
  if (session.inheritsFrom !== null) return null;
  let compaction: SessionContext['compaction'] = null;
  if (session.compactionSeq !== null) {
    const [event] = readOwnEvents(statements, sessionId, session.compactionSeq - 1, session.lastSeq, 1);
    if (event?.type === 'compaction') compaction = event;
  }
  const events =
    types?.length === 0
      ? []
      : readOwnEvents(
          statements,
          sessionId,
          compaction?.data.throughSeq ?? 0,
          session.lastSeq,
          Number.MAX_SAFE_INTEGER,
          types,
        );
  return { session, compaction, events };
}

/**
 * `readContext` of the port, run inside one snapshot read: the record points at its newest
 * compaction, so the cost is one keyed read plus the tail after it, whatever the log's length.
 * `types` was resolved by `checkEventTypes` (null: every type; empty: no events, nothing read).
 */
export async function readSessionContext(
  statements: StatementCache,
  sessionId: string,
  types: readonly EventType[] | null = null,
): Promise<SessionContext> {
  const session = requireSession(statements, sessionId);
  let compaction: SessionContext['compaction'] = null;
  if (session.compactionSeq !== null) {
    const [event] = await readVisibleEvents(statements, session, session.compactionSeq - 1, 1);
    if (event?.type === 'compaction') compaction = event;
  }
  const events =
    types?.length === 0
      ? []
      : await readVisibleEvents(statements, session, compaction?.data.throughSeq ?? 0, Number.MAX_SAFE_INTEGER, types);
  return { session, compaction, events };
}
