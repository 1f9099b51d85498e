import { type EventType, errors, type SessionEvent, type SessionRecord } from 'confab';
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
import {
  EVENT_COLUMNS,
  type EventRow,
  eventFromRow,
  SESSION_COLUMNS,
  type SessionRow,
  sessionFromRow,
} from './row-mapping.js';
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

/**
 * `readContext` in one statement, for a session that is not a fork (its log is all its own): the
 * session, the event at its compaction seq and the events after the compaction's `throughSeq`,
 * exactly what {@link readSessionContext} reads, but on the one snapshot of a single statement,
 * so no transaction is needed. The first branch of the `UNION ALL` is the session's row and the
 * compaction, each as JSON, the second the events as plain rows. Undefined for a fork, whose context
 * follows its parents (read it with {@link readSessionContext} in a REPEATABLE READ transaction);
 * `not_found` when missing.
 */
export async function readRootSessionContext(
  sql: SqlRunner,
  sessionId: string,
  types: readonly EventType[] | null = null,
): Promise<SessionContext | undefined> {
  const t = sql.tables;
  const columns = SESSION_COLUMNS.split(', ');
  const sessionObject = columns.map((column) => `'${column}', session.${column}`).join(', ');
  const typeFilter = types === null ? '' : ' AND event.type = ANY($2::text[])';
  const rows = await sql.rows<
    { session: SessionRow | null; compaction: EventRow | null } & Omit<EventRow, 'session_id' | 'seq'> & {
        seq: number | null;
      }
  >(
    `WITH session AS (
       SELECT ${SESSION_COLUMNS}, (body->>'lastSeq')::integer AS last_seq,
              (body->>'compactionSeq')::integer AS compaction_seq
       FROM ${t.sessions} WHERE id = $1
     ), compaction AS (
       SELECT json_build_object('session_id', event.session_id, 'seq', event.seq, 'turn', event.turn,
                                'type', event.type, 'at', event.at, 'data', event.data) AS event,
              CASE WHEN event.type = 'compaction' THEN floor((event.data->>'throughSeq')::numeric)::integer END AS through_seq
       FROM session JOIN ${t.events} AS event ON event.session_id = session.id
       WHERE session.inherits_from_session_id IS NULL
         AND event.seq > session.compaction_seq - 1 AND event.seq <= session.last_seq
       ORDER BY event.seq LIMIT 1
     )
     SELECT json_build_object(${sessionObject}) AS session, compaction.event AS compaction,
            NULL::integer AS seq, NULL::integer AS turn, NULL::text AS type, NULL::text AS at, NULL::json AS data
     FROM session LEFT JOIN compaction ON true
     UNION ALL
     SELECT NULL::json, NULL::json, event.seq, event.turn, event.type, event.at, event.data
     FROM ${t.events} AS event
     WHERE event.session_id = $1 AND (SELECT inherits_from_session_id IS NULL FROM session)
       AND event.seq > coalesce((SELECT through_seq FROM compaction), 0)
       AND event.seq <= (SELECT last_seq FROM session)${typeFilter}`,
    types === null ? [sessionId] : [sessionId, [...types]],
  );
  const sessionRow = rows.find((row) => row.seq === null);
  if (!sessionRow?.session) throw errors.notFound('session', sessionId);
  const session = sessionFromRow(sessionRow.session);
  if (session.inheritsFrom !== null) return undefined;
  const found = session.compactionSeq !== null && sessionRow.compaction ? eventFromRow(sessionRow.compaction) : null;
  const compaction = found?.type === 'compaction' ? found : null;
  if (types?.length === 0) return { session, compaction, events: [] };
  const events: SessionEvent[] = [];
  let ordered = true;
  for (const row of rows) {
    if (row.seq === null) continue;
    const previous = events[events.length - 1];
    if (previous && previous.seq > row.seq) ordered = false;
    events.push({
      seq: row.seq,
      sessionId,
      turn: row.turn,
      type: row.type,
      at: row.at,
      data: row.data,
    } as SessionEvent);
  }
  // UNION ALL promises no order: the events are put in seq order here when they came out of it.
  if (!ordered) events.sort((left, right) => left.seq - right.seq);
  return { session, compaction, events };
}
