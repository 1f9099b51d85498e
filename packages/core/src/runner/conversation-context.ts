import type { EventType, SessionEvent } from '../model/event.js';
import type { ReadContextOptions, SessionContext } from '../store/port/session-context.js';
import type { SessionStore } from '../store/port/session-store.js';
import { visibleEvents } from './prompt.js';

const HEAD_PAGE = 1000;

/**
 * `store.readContext` with every logical truncation applied to the base as well: the context the
 * conversation continues from. A `turn-start` whose `rewindTo` reaches behind the latest
 * compaction's `throughSeq` (a regenerate or an edit of a message the summary already covers)
 * makes that summary wrong, since it covers superseded events. The context is then rebuilt from
 * the log as it stood at `rewindTo`: its events up to there (superseded ones dropped), based on
 * the latest compaction still visible among them (or none), followed by the events from that
 * truncating `turn-start` on. Without such a truncation this is `readContext` unchanged, at its
 * cost; with one, the extra read costs the log up to `rewindTo` (until a later compaction covers
 * the truncating turn). Failures are `readContext`'s and `readEvents`'.
 */
export async function readConversationContext(
  store: SessionStore,
  sessionId: string,
  options: ReadContextOptions = {},
): Promise<SessionContext> {
  return resolveTruncations(store, await store.readContext(sessionId, options), options.types);
}

/**
 * Applies truncations that reach behind `context.compaction` (see {@link readConversationContext})
 * to a context `readContext` returned with the same `types`; other contexts are returned as they are.
 */
export async function resolveTruncations(
  store: SessionStore,
  context: SessionContext,
  types?: readonly EventType[],
): Promise<SessionContext> {
  const start = lastTruncationBefore(visibleEvents(context.events), context.compaction?.data.throughSeq ?? 0);
  if (!start) return context;
  const crossing = context.events.indexOf(start);
  const rewindTo = start.data.rewindTo as number;
  const head = visibleEvents(await readThrough(store, context.session.id, rewindTo));
  const base = head.findLast((event) => event.type === 'compaction') ?? null;
  const from = base?.data.throughSeq ?? 0;
  const wanted = types ? new Set<string>(types) : null;
  const kept = head.filter(
    (event) => event.seq > from && event.type !== 'compaction' && wanted?.has(event.type) !== false,
  );
  return { session: context.session, compaction: base, events: [...kept, ...context.events.slice(crossing)] };
}

/**
 * The last `turn-start` of `visible` (the events a later truncation did not supersede) truncating
 * to before `throughSeq`, or null.
 */
function lastTruncationBefore(
  visible: readonly SessionEvent[],
  throughSeq: number,
): Extract<SessionEvent, { type: 'turn-start' }> | null {
  if (throughSeq === 0) return null;
  for (let index = visible.length - 1; index >= 0; index--) {
    const event = visible[index] as SessionEvent;
    if (event.type !== 'turn-start') continue;
    const rewindTo = event.data.rewindTo;
    if (typeof rewindTo === 'number' && rewindTo < throughSeq) return event;
  }
  return null;
}

/** Every event of the session (through fork parents) with seq ≤ `throughSeq`, oldest first. */
async function readThrough(store: SessionStore, sessionId: string, throughSeq: number): Promise<SessionEvent[]> {
  const events: SessionEvent[] = [];
  let after = 0;
  while (after < throughSeq) {
    const page = await store.readEvents(sessionId, { after, limit: HEAD_PAGE });
    for (const event of page.events) {
      if (event.seq > throughSeq) return events;
      events.push(event);
    }
    if (page.nextAfter === null) return events;
    after = page.nextAfter;
  }
  return events;
}
