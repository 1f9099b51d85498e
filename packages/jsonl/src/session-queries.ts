import {
  checkStatusFilter,
  clampLimit,
  decodeSessionCursor,
  encodeSessionCursor,
  errors,
  type ListSessionsQuery,
  PAGE_LIMITS,
  type SessionPage,
  type SessionRecord,
  sessionOrderBefore,
} from 'confab';

/*
 * Lookups over the in-memory index of session records. They read no file, which is why the index
 * exists: listing, channel resolution and idempotent creation never touch the sessions' files.
 */

/** The session of `appId` created with `clientSessionId`, if any. */
export function findByClientSessionId(
  records: Iterable<SessionRecord>,
  appId: string,
  clientSessionId: string,
): SessionRecord | undefined {
  for (const record of records) {
    if (record.appId === appId && record.clientSessionId === clientSessionId) return record;
  }
  return undefined;
}

/** `conflict` when `clientSessionId` is already used in the app (a no-op without one). */
export function assertClientSessionIdFree(
  records: Iterable<SessionRecord>,
  appId: string,
  clientSessionId: string | null | undefined,
): void {
  if (clientSessionId && findByClientSessionId(records, appId, clientSessionId)) {
    throw errors.conflict(`clientSessionId ${clientSessionId} is already used`);
  }
}

/** The active session of a channel, if any (there is at most one). */
export function findActiveInChannel(
  records: Iterable<SessionRecord>,
  appId: string,
  channel: string,
): SessionRecord | undefined {
  for (const record of records) {
    if (record.appId === appId && record.channel === channel && record.status === 'active') return record;
  }
  return undefined;
}

/** One page of `listSessions`: the port's filters, order and keyset cursor over `records`. */
export function listSessionPage(records: Iterable<SessionRecord>, query: ListSessionsQuery): SessionPage {
  const limit = clampLimit(query.limit, PAGE_LIMITS.sessions);
  const after = query.cursor ? decodeSessionCursor(query.cursor) : null;
  const status = checkStatusFilter(query.status);
  const matching = [...records]
    .filter(
      (record) =>
        record.appId === query.appId &&
        (status === 'all' || record.status === status) &&
        (query.channel == null || record.channel === query.channel) &&
        (!after || sessionOrderBefore(after, record)),
    )
    .sort((a, b) => (sessionOrderBefore(a, b) ? -1 : 1));
  const page = matching.slice(0, limit);
  const last = page[page.length - 1];
  return {
    sessions: page.map((record) => structuredClone(record)),
    nextCursor: matching.length > limit && last ? encodeSessionCursor(last) : null,
  };
}
