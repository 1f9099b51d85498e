import type { SessionRecord, SessionStatus } from '../../model/session.js';

/** Filters and page of `listSessions`. */
export interface ListSessionsQuery {
  appId: string;
  channel?: string | null;
  /** Default `all`. */
  status?: SessionStatus | 'all';
  /**
   * Only sessions whose title, id or clientSessionId contains this text (see
   * `session-search.ts`: ASCII letters match either case, anything else as written). Empty or
   * whitespace only: no filter. At most 256 characters.
   */
  search?: string | null;
  /** Only the sessions forked from this session (`parent.sessionId`). */
  parentId?: string | null;
  /** Default 50, capped at 200. */
  limit?: number;
  /** An opaque cursor from a previous page's `nextCursor`. */
  cursor?: string | null;
}

/** A page of sessions, newest activity first (id descending as tie-break). */
export interface SessionPage {
  sessions: SessionRecord[];
  /** Fetches the next (older) page; null when this page is the last. */
  nextCursor: string | null;
}
