import type { DeltaEvent } from '../model/event.js';
import { hasAppendNotifier, type SessionStore } from '../store/port/session-store.js';
import type { StreamEvent } from './turn-writer.js';

/** A position in a session's stream: after persisted `seq`, and after delta `sub` of it. */
export interface StreamPosition {
  seq: number;
  sub?: number;
}

/** What a subscription reads from its session runner. */
export interface SubscriptionSource {
  store: SessionStore;
  sessionId: string;
  /** How often to re-read the store when nothing notified the subscription. */
  pollIntervalMs: number;
  /**
   * The runner's wake-up listeners: the subscription adds one for its lifetime. `persisted` is
   * false for a delta, which needs no store read.
   */
  listeners: Set<(persisted: boolean) => void>;
  /** The running turn's deltas after its latest persisted event, in (seq, sub) order. */
  liveDeltas: () => readonly DeltaEvent[];
}

/**
 * The session's events after `from`, then live: persisted events in seq order, and the running
 * turn's deltas after their persisted event. Each event exactly once; ends when `signal` aborts.
 */
export async function* subscribeToSession(
  source: SubscriptionSource,
  from: StreamPosition = { seq: 0 },
  signal?: AbortSignal,
): AsyncGenerator<StreamEvent> {
  let seq = from.seq;
  let sub = from.sub ?? 0;
  let dirty = true;
  let deltas = true;
  let wake: (() => void) | null = null;
  const notify = () => {
    dirty = true;
    wake?.();
  };
  const onRunner = (persisted: boolean) => {
    if (persisted) dirty = true;
    deltas = true;
    wake?.();
  };
  source.listeners.add(onRunner);
  const store = source.store;
  const unsubscribe = hasAppendNotifier(store)
    ? store.onAppend((sessionId) => {
        if (sessionId === source.sessionId) notify();
      })
    : () => undefined;
  const poll = setInterval(notify, source.pollIntervalMs);
  signal?.addEventListener('abort', notify);
  try {
    while (!signal?.aborted) {
      if (!dirty && !deltas) await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
      if (signal?.aborted) return;
      const readStore = dirty;
      dirty = false;
      deltas = false;
      for (; readStore; ) {
        const page = await store.readEvents(source.sessionId, { after: seq, limit: 1000 });
        for (const event of page.events) {
          if (signal?.aborted) return;
          yield event;
          seq = event.seq;
          sub = 0;
        }
        if (page.nextAfter === null) break;
      }
      const live = source.liveDeltas();
      for (let index = firstDeltaAfter(live, seq, sub); index < live.length; index++) {
        const delta = live[index] as DeltaEvent;
        if (delta.seq !== seq) break;
        if (signal?.aborted) return;
        yield delta;
        sub = delta.sub;
      }
    }
  } finally {
    clearInterval(poll);
    unsubscribe();
    source.listeners.delete(onRunner);
    signal?.removeEventListener('abort', notify);
  }
}

/**
 * The index of the first delta after (seq, sub) in `live`, which is in (seq, sub) order: a binary
 * search, so a subscriber woken by every delta of a long message does not rescan it from the start.
 */
function firstDeltaAfter(live: readonly DeltaEvent[], seq: number, sub: number): number {
  let low = 0;
  let high = live.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const delta = live[middle] as DeltaEvent;
    if (delta.seq < seq || (delta.seq === seq && delta.sub <= sub)) low = middle + 1;
    else high = middle;
  }
  return low;
}
