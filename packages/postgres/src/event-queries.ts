import {
  checkAfter,
  clampLimit,
  type EventPage,
  type EventType,
  PAGE_LIMITS,
  type ReadEventsQuery,
  readChain,
  resolveChain,
  type SessionContext,
  type SessionEvent,
  type SessionRecord,
} from 'confab';
import { EVENT_COLUMNS, type EventRow, eventFromRow } from './row-mapping.js';
import { loadInheritance, requireSession } from './session-queries.js';
import type { SqlRunner } from './sql-runner.js';

/*
 * Reads of the log. Callers run them inside one REPEATABLE READ transaction: a read that follows
 * fork parents takes several statements, and a parent deleted halfway (its events moved into its
 * forks) must not tear the result.
 */

/**
 * A session's own events (never through fork parents) in (`afterSeq`, `throughSeq`], oldest first,
 * only those of `types` when it is not null: the `type` column is tested in the query, so rows of
 * other types never leave the database.
 */
export async function readOwnEvents(
  sql: SqlRunner,
  sessionId: string,
  afterSeq: number,
  throughSeq: number,
  limit: number,
  types: readonly EventType[] | null = null,
): Promise<SessionEvent[]> {
  const rows =
    types === null
      ? await sql.rows<EventRow>(
          `SELECT ${EVENT_COLUMNS} FROM ${sql.tables.events}
           WHERE session_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4`,
          [sessionId, afterSeq, throughSeq, limit],
        )
      : await sql.rows<EventRow>(
          `SELECT ${EVENT_COLUMNS} FROM ${sql.tables.events}
           WHERE session_id = $1 AND seq > $2 AND seq <= $3 AND type = ANY($5::text[]) ORDER BY seq LIMIT $4`,
          [sessionId, afterSeq, throughSeq, limit, [...types]],
        );
  return rows.map(eventFromRow);
}

/**
 * A session's own newest `compaction` in (`afterSeq`, `throughSeq`]. The partial index holds only
 * compactions, so this never scans the events between them.
 */
export async function findOwnLatestCompaction(
  sql: SqlRunner,
  sessionId: string,
  afterSeq: number,
  throughSeq: number,
): Promise<SessionEvent | null> {
  const row = await sql.row<EventRow>(
    `SELECT ${EVENT_COLUMNS} FROM ${sql.tables.events}
     WHERE session_id = $1 AND type = 'compaction' AND seq > $2 AND seq <= $3 ORDER BY seq DESC LIMIT 1`,
    [sessionId, afterSeq, throughSeq],
  );
  return row ? eventFromRow(row) : null;
}

/** Up to `limit` events visible to `record` after `after` (of `types` only, unless null), through its fork parents. */
export async function readVisibleEvents(
  sql: SqlRunner,
  record: SessionRecord,
  after: number,
  limit: number,
  types: readonly EventType[] | null = null,
): Promise<SessionEvent[]> {
  const segments = await resolveChain(record, (sessionId) => loadInheritance(sql, sessionId));
  return readChain(record.id, segments, after, limit, (sessionId, afterSeq, throughSeq, max) =>
    readOwnEvents(sql, sessionId, afterSeq, throughSeq, max, types),
  );
}

/** `readEvents` of the port. */
export async function readEventPage(sql: SqlRunner, sessionId: string, query: ReadEventsQuery): Promise<EventPage> {
  const record = await requireSession(sql, sessionId);
  const limit = clampLimit(query.limit, PAGE_LIMITS.events);
  const events = await readVisibleEvents(sql, record, checkAfter(query.after), limit);
  const last = events[events.length - 1];
  return { events, nextAfter: last && last.seq < record.lastSeq ? last.seq : null };
}

/**
 * `readContext` of the port: the record points at its newest compaction, so the cost is one keyed
 * read plus the tail after it, whatever the log's length. `types` was resolved by
 * `checkEventTypes` (null: every type; empty: no events, nothing read).
 */
export async function readSessionContext(
  sql: SqlRunner,
  sessionId: string,
  types: readonly EventType[] | null = null,
): Promise<SessionContext> {
  const session = await requireSession(sql, sessionId);
  let compaction: SessionContext['compaction'] = null;
  if (session.compactionSeq !== null) {
    const [event] = await readVisibleEvents(sql, session, session.compactionSeq - 1, 1);
    if (event?.type === 'compaction') compaction = event;
  }
  const events =
    types?.length === 0
      ? []
      : await readVisibleEvents(sql, session, compaction?.data.throughSeq ?? 0, Number.MAX_SAFE_INTEGER, types);
  return { session, compaction, events };
}
