import { errors } from '../../errors.js';
import type { SessionRecord } from '../../model/session.js';

/** The longest `listSessions` search text. */
export const MAX_SESSION_SEARCH_CHARS = 256;

/*
 * Search folds case for ASCII letters only, on purpose: every store can do exactly that (SQLite's
 * LIKE and lower() know only ASCII without ICU, and PostgreSQL's lower() depends on the database's
 * locale), so the same query finds the same sessions on every store.
 */

/** `text` with ASCII capitals made small and every other character left as it is. */
export function foldAsciiCase(text: string): string {
  return text.replace(/[A-Z]+/g, (capitals) => capitals.toLowerCase());
}

/**
 * Resolves a `listSessions` search: trimmed and case-folded (see {@link foldAsciiCase}), null when
 * empty (no filter); over {@link MAX_SESSION_SEARCH_CHARS} characters → `invalid_argument`.
 */
export function checkSessionSearch(search: string | null | undefined): string | null {
  if (search == null) return null;
  const trimmed = search.trim();
  if (!trimmed) return null;
  if ([...trimmed].length > MAX_SESSION_SEARCH_CHARS) {
    throw errors.invalidArgument(`search is longer than ${MAX_SESSION_SEARCH_CHARS} characters`);
  }
  return foldAsciiCase(trimmed);
}

/** Whether the session's title, id or clientSessionId contains `needle` (already checked). */
export function matchesSessionSearch(
  session: Pick<SessionRecord, 'id' | 'title' | 'clientSessionId'>,
  needle: string | null,
): boolean {
  if (needle === null) return true;
  return [session.title, session.id, session.clientSessionId].some(
    (field) => field != null && foldAsciiCase(field).includes(needle),
  );
}

/**
 * A SQL `LIKE` pattern (with `ESCAPE '\'`) that finds `needle` (already checked) anywhere in a
 * case-folded column: `%`, `_` and `\` in the text match only themselves.
 */
export function sessionSearchLikePattern(needle: string): string {
  return `%${needle.replace(/[\\%_]/g, (special) => `\\${special}`)}%`;
}
