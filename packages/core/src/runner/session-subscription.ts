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
  /** The runner's wake-up listeners: the subscription adds one for its lifetime. */
  listeners: Set<() => void>;
  /** The running turn's deltas so far. */
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
  let wake: (() => void) | null = null;
  const notify = () => {
    dirty = true;
    wake?.();
  };
  source.listeners.add(notify);
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
      if (!dirty) await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
      dirty = false;
      for (;;) {
        const page = await store.readEvents(source.sessionId, { after: seq, limit: 1000 });
        for (const event of page.events) {
          if (signal?.aborted) return;
          yield event;
          seq = event.seq;
          sub = 0;
        }
        if (page.nextAfter === null) break;
      }
      for (const delta of source.liveDeltas()) {
        if (delta.seq !== seq || delta.sub <= sub) continue;
        if (signal?.aborted) return;
        yield delta;
        sub = delta.sub;
      }
    }
  } finally {
    clearInterval(poll);
    unsubscribe();
    source.listeners.delete(notify);
    signal?.removeEventListener('abort', notify);
  }
}
