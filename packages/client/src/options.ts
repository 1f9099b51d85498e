import type { EventPage, StreamEvent } from './types.js';

/** Options of calls that only take a signal. */
export interface CallOptions {
  signal?: AbortSignal;
}

/** Options of {@link Session.send}. */
export interface SendOptions extends CallOptions {
  files?: string[];
  /** Makes retries safe (generated when omitted): a repeated key queues nothing new. */
  idempotencyKey?: string;
}

/** Options of `session.events.stream`. */
export interface EventStreamOptions extends CallOptions {
  /** Replay from after this seq (default 0: the whole log), then follow live. */
  after?: number;
}

/** `session.events(…)`: a JSON page of persisted events, plus `.stream(…)`, the live tail. */
export interface SessionEventsApi {
  /** Persisted events after `after` (default 0), at most `limit` (default 100, capped at 1000). */
  (options?: { after?: number; limit?: number } & CallOptions): Promise<EventPage>;
  /**
   * The session's events from after `after`, then live (deltas of a running turn included),
   * until the loop is left or the signal aborts. Reconnects with `Last-Event-ID` when the
   * connection drops; every event once, in order.
   */
  stream(options?: EventStreamOptions): AsyncIterable<StreamEvent>;
}
