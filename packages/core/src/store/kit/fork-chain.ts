import type { SessionEvent } from '../../model/event.js';
import type { SessionRecord } from '../../model/session.js';

/** A slice of one session's own log: seqs in (`afterSeq`, `throughSeq`]. */
export interface ChainSegment {
  sessionId: string;
  afterSeq: number;
  throughSeq: number;
}

/** How an adapter reads a session's *own* events (never through parents), oldest first. */
export type ReadOwnEvents = (
  sessionId: string,
  afterSeq: number,
  throughSeq: number,
  limit: number,
) => Promise<SessionEvent[]> | SessionEvent[];

/** How an adapter looks up the fork link of a session. */
export type GetInheritance = (
  sessionId: string,
) => Promise<SessionRecord['inheritsFrom'] | undefined> | SessionRecord['inheritsFrom'] | undefined;

/**
 * The segments that make up `session`'s visible log, oldest first: the root's events up to the
 * first fork point, then each descendant's own events up to the next, then the session's own.
 * Costs one lookup per fork level, never per event.
 */
export async function resolveChain(
  session: Pick<SessionRecord, 'id' | 'inheritsFrom' | 'lastSeq'>,
  getInheritance: GetInheritance,
): Promise<ChainSegment[]> {
  const segments: ChainSegment[] = [];
  let current: { sessionId: string; inherits: SessionRecord['inheritsFrom'] } = {
    sessionId: session.id,
    inherits: session.inheritsFrom,
  };
  let throughSeq = session.lastSeq;
  for (;;) {
    const afterSeq = current.inherits ? current.inherits.seq : 0;
    if (throughSeq > afterSeq) segments.unshift({ sessionId: current.sessionId, afterSeq, throughSeq });
    if (!current.inherits) break;
    throughSeq = Math.min(throughSeq, current.inherits.seq);
    const parentId = current.inherits.sessionId;
    // A missing parent means its events were copied in when it was deleted; stop there.
    const inherits = await getInheritance(parentId);
    if (inherits === undefined) break;
    current = { sessionId: parentId, inherits };
  }
  return segments;
}

/**
 * Reads up to `limit` events after `after` across `segments`, rewriting `sessionId` to the reader's
 * id (inherited events keep their original seq and turn).
 */
export async function readChain(
  readerId: string,
  segments: ChainSegment[],
  after: number,
  limit: number,
  readOwn: ReadOwnEvents,
): Promise<SessionEvent[]> {
  const out: SessionEvent[] = [];
  for (const segment of segments) {
    if (out.length >= limit) break;
    if (segment.throughSeq <= after) continue;
    const from = Math.max(after, segment.afterSeq);
    const rows = await readOwn(segment.sessionId, from, segment.throughSeq, limit - out.length);
    for (const row of rows) out.push(row.sessionId === readerId ? row : { ...row, sessionId: readerId });
  }
  return out;
}

/**
 * The newest event of `type` with seq ≤ `atOrBefore` across `segments`, searching from the newest
 * segment back; `findOwn` returns a session's own newest such event within a seq range.
 */
export async function findLatestInChain(
  segments: ChainSegment[],
  atOrBefore: number,
  findOwn: (
    sessionId: string,
    afterSeq: number,
    throughSeq: number,
  ) => Promise<SessionEvent | null> | SessionEvent | null,
): Promise<SessionEvent | null> {
  for (let index = segments.length - 1; index >= 0; index--) {
    const segment = segments[index] as ChainSegment;
    if (segment.afterSeq >= atOrBefore) continue;
    const found = await findOwn(segment.sessionId, segment.afterSeq, Math.min(segment.throughSeq, atOrBefore));
    if (found) return found;
  }
  return null;
}
