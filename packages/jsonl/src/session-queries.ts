import { errors } from 'confab';
import {
  checkSessionSearch,
  checkStatusFilter,
  clampLimit,
  decodeSessionCursor,
  encodeSessionCursor,
  type ListSessionsQuery,
  matchesSessionSearch,
  PAGE_LIMITS,
  sessionOrderBefore,
} from 'confab/store';
import type { SessionSummary } from './session-catalog.js';

/*
 * Lookups over the in-memory index of session records. They read no file, which is why the index
 * exists: listing, channel resolution and idempotent creation never touch the sessions' files.
 */

/** The session of `appId` created with `clientSessionId`, if any. */
export function findByClientSessionId<Entry extends SessionSummary>(
  records: Iterable<Entry>,
  appId: string,
  clientSessionId: string,
): Entry | undefined {
  for (const record of records) {
    if (record.appId === appId && record.clientSessionId === clientSessionId) return record;
  }
  return undefined;
}

/** `conflict` when `clientSessionId` is already used in the app (a no-op without one). */
export function assertClientSessionIdFree(
  records: Iterable<SessionSummary>,
  appId: string,
  clientSessionId: string | null | undefined,
): void {
  if (clientSessionId && findByClientSessionId(records, appId, clientSessionId)) {
    throw errors.conflict(`clientSessionId ${clientSessionId} is already used`);
  }
}

/** The active session of a channel, if any (there is at most one). */
export function findActiveInChannel<Entry extends SessionSummary>(
  records: Iterable<Entry>,
  appId: string,
  channel: string,
): Entry | undefined {
  for (const record of records) {
    if (record.appId === appId && record.channel === channel && record.status === 'active') return record;
  }
  return undefined;
}

/**
 * One page of `listSessions` as index entries: the port's filters, order and keyset cursor over
 * `records` (the caller loads the whole records of the page).
 */
export function listSessionPage<Entry extends SessionSummary>(
  records: Iterable<Entry>,
  query: ListSessionsQuery,
): { sessions: Entry[]; nextCursor: string | null } {
  const limit = clampLimit(query.limit, PAGE_LIMITS.sessions);
  const after = query.cursor ? decodeSessionCursor(query.cursor) : null;
  const status = checkStatusFilter(query.status);
  const search = checkSessionSearch(query.search);
  const matching = [...records]
    .filter(
      (record) =>
        record.appId === query.appId &&
        (status === 'all' || record.status === status) &&
        (query.channel == null || record.channel === query.channel) &&
        (query.parentId == null || record.parent?.sessionId === query.parentId) &&
        matchesSessionSearch(record, search) &&
        (!after || sessionOrderBefore(after, record)),
    )
    .sort((a, b) => (sessionOrderBefore(a, b) ? -1 : 1));
  const page = matching.slice(0, limit);
  const last = page[page.length - 1];
  return {
    sessions: page,
    nextCursor: matching.length > limit && last ? encodeSessionCursor(last) : null,
  };
}
