import { errors } from '../../errors.js';

/** The keyset position of a session in `listSessions` order (activity desc, id desc). */
export interface SessionCursor {
  lastActivityAt: string;
  id: string;
}

/** Encodes a keyset position as an opaque URL-safe string. */
export function encodeSessionCursor(cursor: SessionCursor): string {
  return btoa(JSON.stringify([cursor.lastActivityAt, cursor.id]))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');
}

/** Decodes a cursor from {@link encodeSessionCursor}; `invalid_argument` when malformed. */
export function decodeSessionCursor(cursor: string): SessionCursor {
  try {
    const padded = cursor.replaceAll('-', '+').replaceAll('_', '/');
    const value: unknown = JSON.parse(atob(padded));
    if (Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'string') {
      return { lastActivityAt: value[0], id: value[1] };
    }
  } catch {
    // fall through to the uniform error below
  }
  throw errors.invalidArgument('cursor is malformed');
}

/** True when `a` sorts before `b` in `listSessions` order (newest activity first, id desc). */
export function sessionOrderBefore(a: SessionCursor, b: SessionCursor): boolean {
  if (a.lastActivityAt !== b.lastActivityAt) return a.lastActivityAt > b.lastActivityAt;
  return a.id > b.id;
}
