import type { EventType, SessionEvent } from '../../model/event.js';

/**
 * Up to `limit` events of one session's own log (held in seq order) with seq in (`afterSeq`,
 * `throughSeq`], oldest first, and only those of `types` when it is not null. A binary search
 * finds the start, so paging a long log stays cheap.
 */
export function ownEventRange(
  events: readonly SessionEvent[],
  afterSeq: number,
  throughSeq: number,
  limit: number,
  types: readonly EventType[] | null = null,
): SessionEvent[] {
  const wanted = types === null ? null : new Set<EventType>(types);
  const out: SessionEvent[] = [];
  let low = 0;
  let high = events.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((events[middle] as SessionEvent).seq <= afterSeq) low = middle + 1;
    else high = middle;
  }
  for (let index = low; index < events.length && out.length < limit; index++) {
    const event = events[index] as SessionEvent;
    if (event.seq > throughSeq) break;
    if (wanted === null || wanted.has(event.type)) out.push(event);
  }
  return out;
}
