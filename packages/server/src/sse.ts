import type { StreamEvent } from 'confab';
import type { Logger } from 'pino';
import { toHttpError } from './errors-to-http.js';

/** One Server-Sent Events frame. `data` is written as a single `data:` line (JSON has no raw newlines). */
export interface SseFrame {
  id?: string;
  event?: string;
  data: string;
}

/** The frame of a session event (DESIGN §6.1): `id: <seq>` or `<seq>.<sub>` for a delta. */
export function frameOfEvent(event: StreamEvent): SseFrame {
  const id = 'sub' in event ? `${event.seq}.${event.sub}` : String(event.seq);
  return { id, event: event.type, data: JSON.stringify(event) };
}

/** Encodes a frame; `id` and `event` lose any line breaks so a frame can never be split. */
export function encodeFrame(frame: SseFrame): string {
  let text = '';
  if (frame.id !== undefined) text += `id: ${frame.id.replace(/[\r\n]/g, '')}\n`;
  if (frame.event !== undefined) text += `event: ${frame.event.replace(/[\r\n]/g, '')}\n`;
  // JSON (every event frame) has no raw line breaks: one `data:` line without splitting.
  if (!/[\r\n]/.test(frame.data)) return `${text}data: ${frame.data}\n\n`;
  for (const line of frame.data.split(/\r\n|\r|\n/)) text += `data: ${line}\n`;
  return `${text}\n`;
}

/** Options of {@link SseStream}. */
export interface SseStreamOptions {
  /** Interval of heartbeat comment lines, which keep proxies from closing a quiet stream. */
  heartbeatMs: number;
  /** The request's signal: a client that leaves aborts it. */
  requestSignal?: AbortSignal;
  /** Ends the stream too (e.g. a server shutdown). */
  shutdownSignal?: AbortSignal;
  /** Ends the stream too: the caller's token was revoked. */
  revokedSignal?: AbortSignal;
  requestId: string;
  logger: Logger;
  /** Called once when the stream is over, however it ended. */
  onClose?: () => void;
}

/** Writes a frame, waiting while the client reads slower than frames are produced. */
export type SendFrame = (frame: SseFrame) => Promise<void>;

const encoder = new TextEncoder();

/**
 * A `text/event-stream` response fed by a producer. `signal` aborts when the client leaves, the
 * shutdown signal fires or the producer is done; a producer must stop then. A producer's error
 * after the stream began is sent as an `event: stream-error` frame carrying the error shape (the
 * status line is long gone), then the stream ends.
 */
export class SseStream {
  private readonly controller = new AbortController();
  private readonly options: SseStreamOptions;
  private output: ReadableStreamDefaultController<Uint8Array> | null = null;
  private demand: (() => void) | null = null;
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private closed = false;
  /** Frames queued this turn of the event loop, not yet handed to the response. */
  private pending = '';
  private flushing = false;
  private readonly abortFromOutside = () => this.controller.abort();

  constructor(options: SseStreamOptions) {
    this.options = options;
    for (const signal of [options.requestSignal, options.shutdownSignal, options.revokedSignal]) {
      if (!signal) continue;
      if (signal.aborted) this.abortFromOutside();
      else signal.addEventListener('abort', this.abortFromOutside, { once: true });
    }
    this.controller.signal.addEventListener('abort', () => this.finish(), { once: true });
  }

  /** Aborted once the stream is over for any reason. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /**
   * The response; `produce` runs as soon as the client starts reading. `headers` add to or replace
   * the stream's own (set here, at construction: a response's headers changed afterwards may not
   * survive the middleware that copies it).
   */
  respond(
    produce: (send: SendFrame, signal: AbortSignal) => Promise<void>,
    headers: Record<string, string> = {},
  ): Response {
    const body = new ReadableStream<Uint8Array>(
      {
        start: (output) => {
          this.output = output;
          if (this.closed) {
            // The client left (or the server began shutting down) before the stream was read.
            output.close();
            return;
          }
          // A first comment makes the listener send the headers now, not with the first event.
          this.enqueue(': connected\n\n');
          this.heartbeat = setInterval(() => this.enqueue(': heartbeat\n\n'), this.options.heartbeatMs);
          this.heartbeat.unref?.();
          this.run(produce);
        },
        pull: () => {
          const resolve = this.demand;
          this.demand = null;
          resolve?.();
        },
        cancel: () => this.controller.abort(),
      },
      { highWaterMark: 16 },
    );
    const all = new Headers({
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
      'X-Request-Id': this.options.requestId,
    });
    for (const [name, value] of Object.entries(headers)) all.set(name, value);
    return new Response(body, { status: 200, headers: all });
  }

  private async run(produce: (send: SendFrame, signal: AbortSignal) => Promise<void>): Promise<void> {
    try {
      await produce((frame) => this.send(frame), this.controller.signal);
    } catch (error) {
      if (!this.controller.signal.aborted) {
        const mapped = toHttpError(error, this.options.requestId);
        if (mapped.error.code === 'internal') this.options.logger.error({ err: error }, 'event stream failed');
        this.enqueue(encodeFrame({ event: 'stream-error', data: JSON.stringify(mapped.body) }));
      }
    } finally {
      this.controller.abort();
    }
  }

  private async send(frame: SseFrame): Promise<void> {
    if (this.closed) return;
    this.enqueue(encodeFrame(frame));
    const output = this.output;
    if (output && (output.desiredSize ?? 1) <= 0 && !this.closed) {
      // Backpressure: wait until the client has read some, or the stream is over.
      await new Promise<void>((resolve) => {
        this.demand = resolve;
        if (this.closed) resolve();
      });
    }
  }

  /**
   * Queues text for the client. Frames queued in the same turn of the event loop (a turn's start
   * and its inputs, a burst of deltas from one provider chunk, the last message and `turn-end`) go
   * out as one chunk, so as one socket write, after the microtasks that produced them: the frames
   * themselves are unchanged.
   */
  private enqueue(text: string): void {
    if (this.closed || !this.output) return;
    this.pending += text;
    if (this.flushing) return;
    this.flushing = true;
    setImmediate(this.flush);
  }

  private readonly flush = (): void => {
    this.flushing = false;
    const text = this.pending;
    this.pending = '';
    if (!text || !this.output) return;
    try {
      this.output.enqueue(encoder.encode(text));
    } catch {
      // The consumer is gone: the cancel path ends the stream.
    }
  };

  private finish(): void {
    if (this.closed) return;
    // What was queued before the end (a turn's last frames, a stream-error) still goes out.
    this.flush();
    this.closed = true;
    // The shutdown signal lives as long as the server: a listener left on it would keep every
    // stream that ever ran (and what it references) in memory.
    this.options.requestSignal?.removeEventListener('abort', this.abortFromOutside);
    this.options.shutdownSignal?.removeEventListener('abort', this.abortFromOutside);
    this.options.revokedSignal?.removeEventListener('abort', this.abortFromOutside);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.demand?.();
    this.demand = null;
    try {
      this.output?.close();
    } catch {
      // Already closed or errored by the consumer.
    }
    this.options.onClose?.();
  }
}

/**
 * Iterates `source` until it ends or `signal` aborts, whichever is first: a pending read never
 * keeps a producer alive after its client left.
 */
export async function* untilAborted<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  if (signal.aborted) return;
  const iterator = source[Symbol.asyncIterator]();
  // The read in progress, woken by an abort. Not a race against one long-lived "aborted" promise:
  // each race would leave a reaction on it until the stream ends, one per frame of a long turn.
  let wake: ((result: IteratorResult<T>) => void) | null = null;
  const onAbort = () => wake?.({ done: true, value: undefined });
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      const next = await new Promise<IteratorResult<T>>((resolve, reject) => {
        wake = resolve;
        iterator.next().then(resolve, reject);
      });
      wake = null;
      if (next.done || signal.aborted) return;
      yield next.value;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    // Not awaited: a generator blocked on its next value would hold this up until it got one.
    iterator.return?.()?.catch?.(() => undefined);
  }
}
