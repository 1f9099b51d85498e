import { APIError, errorFromStreamFrame, TransportError } from './errors.js';
import { type HttpClient, segment } from './http.js';
import { isTransient, retryDelayMs, sleep } from './retry.js';
import { readServerSentEvents } from './sse.js';
import type { StreamEvent } from './types.js';

/** Options of {@link resumableEventStream}. */
export interface ResumableStreamOptions {
  http: HttpClient;
  sessionId: string;
  /**
   * Opens the first connection (e.g. `POST …/turns` as SSE). Without it, the stream starts with
   * `GET …/events`.
   */
  open?: (signal: AbortSignal) => Promise<Response>;
  /**
   * Whether `open` may be called again while no event has arrived (true when it carries an
   * `Idempotency-Key`). When not, a first connection that fails before its first event is not
   * retried: there is no position to re-attach from, and sending it again could act twice.
   */
  reopenable?: boolean;
  /** Replay from after this seq when the stream starts with `GET …/events`. */
  after?: number;
  /** Ends the stream after this event (e.g. the turn's `turn-end`); without it the stream is a live tail. */
  isLast?: (event: StreamEvent) => boolean;
  signal?: AbortSignal;
}

/** Orders stream events: a persisted event is `(seq, 0)`, a delta `(seq, sub)` after it. */
type Position = readonly [seq: number, sub: number];

/**
 * A session's events over SSE that survives dropped connections: when a connection breaks off
 * (or ends before `isLast`), it re-attaches with `GET …/events` and `Last-Event-ID: <last id>`,
 * and skips anything at or before the last delivered position, so every event is delivered
 * exactly once and in order. Consecutive attempts that reach no live stream are bounded by the
 * retry policy; a connection that delivered an event or a heartbeat reached one, so a quiet
 * stream whose connections keep dropping goes on reconnecting (with growing backoff while no
 * event arrives). An error answer that would fail again (4xx) ends the stream with its error.
 */
export async function* resumableEventStream(options: ResumableStreamOptions): AsyncGenerator<StreamEvent, void> {
  const { http } = options;
  const controller = new AbortController();
  const forwardAbort = () => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) forwardAbort();
  else options.signal?.addEventListener('abort', forwardAbort, { once: true });
  const signal = controller.signal;

  let lastId: string | null = null;
  let lastPosition: Position | null = options.after === undefined ? null : [options.after, 0];
  // Consecutive attempts that reached no live stream: bounded by the retry policy.
  let failures = 0;
  // Consecutive connections that delivered no event: the backoff grows with them.
  let idleConnections = 0;
  // A heartbeat (or the server's first `: connected`) proves the stream was live: a quiet tail
  // whose connections keep dropping must not run out of attempts.
  const onComment = () => {
    failures = 0;
  };
  try {
    for (;;) {
      let failure: unknown;
      try {
        const response = await connect(options, lastId, signal);
        for await (const message of readServerSentEvents(response, signal, onComment)) {
          if (message.event === 'stream-error') throw errorFromStreamFrame(message.data);
          if (message.data === '') continue;
          const event = parseEvent(message.data);
          const position: Position = 'sub' in event ? [event.seq, event.sub] : [event.seq, 0];
          if (lastPosition && compare(position, lastPosition) <= 0) continue;
          lastPosition = position;
          lastId = message.id ?? idOf(position);
          failures = 0;
          idleConnections = 0;
          yield event;
          if (options.isLast?.(event)) return;
        }
        failure = new TransportError('the event stream ended before it was complete');
      } catch (error) {
        if (signal.aborted) throw options.signal?.reason ?? error;
        if (!isReconnectable(error)) throw error;
        failure = error;
      }
      failures += 1;
      idleConnections += 1;
      if (failures >= http.retry.attempts) throw failure;
      if (lastId === null && options.open && !options.reopenable) throw failure;
      // Capped so the doubling cannot overflow on a tail that stays quiet for days.
      const delay = retryDelayMs(http.retry, Math.min(idleConnections, 30), failure);
      if (delay === null) throw failure;
      await sleep(delay, signal);
    }
  } finally {
    options.signal?.removeEventListener('abort', forwardAbort);
    // Ends whatever connection is still open when the consumer leaves early.
    controller.abort();
  }
}

function connect(options: ResumableStreamOptions, lastId: string | null, signal: AbortSignal): Promise<Response> {
  if (lastId === null && options.open) return options.open(signal);
  return options.http.send({
    method: 'GET',
    path: `/v1/sessions/${segment(options.sessionId)}/events`,
    query: lastId === null ? { after: options.after } : {},
    headers: lastId === null ? {} : { 'Last-Event-ID': lastId },
    eventStream: true,
    // One budget of attempts for the whole stream: the loop above does the retrying.
    retrySafe: false,
    signal,
  });
}

function parseEvent(data: string): StreamEvent {
  try {
    return JSON.parse(data) as StreamEvent;
  } catch (cause) {
    throw new TransportError('an event stream frame is not JSON', { cause });
  }
}

/** Transient failures, and a server saying in-stream that it is briefly unable. */
function isReconnectable(error: unknown): boolean {
  if (error instanceof APIError && error.code === 'unavailable') return true;
  return isTransient(error);
}

function compare(left: Position, right: Position): number {
  return left[0] - right[0] || left[1] - right[1];
}

function idOf(position: Position): string {
  return position[1] === 0 ? String(position[0]) : `${position[0]}.${position[1]}`;
}
