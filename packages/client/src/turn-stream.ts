import { ConfabClientError } from './errors.js';
import type { TurnResult } from './turn-result.js';
import type { StreamEvent } from './types.js';

/** Produces a streamed turn: calls `emit` for each event in order and returns the turn's result. */
export type TurnProducer = (signal: AbortSignal, emit: (event: StreamEvent) => void) => Promise<TurnResult>;

/**
 * A streamed turn: an async iterable of its events (deltas included) in order, each exactly once,
 * and `result`, the turn's outcome. The turn is requested when it is created (in order with the
 * session handle's other turns), not when iteration starts; events wait in memory until read.
 * Leaving the loop early (or {@link cancel}) closes the connection, which does not stop the turn
 * on the server: `session.stop()` does. One consumer only.
 */
export class TurnStream implements AsyncIterable<StreamEvent> {
  /** The turn's outcome once its last `turn-end` arrived; rejects when the stream failed or was cancelled. */
  readonly result: Promise<TurnResult>;
  private readonly controller = new AbortController();
  private readonly buffer: StreamEvent[] = [];
  private finished = false;
  private failure: { error: unknown } | null = null;
  private wake: (() => void) | null = null;
  private iterated = false;

  constructor(produce: TurnProducer, signal?: AbortSignal) {
    const forwardAbort = () => this.controller.abort(signal?.reason);
    if (signal?.aborted) forwardAbort();
    else signal?.addEventListener('abort', forwardAbort, { once: true });
    // Called now, not later: the turn takes its place in the handle's queue in call order.
    this.result = produce(this.controller.signal, (event) => this.push(event))
      .then(
        (result) => {
          this.finish(null);
          return result;
        },
        (error: unknown) => {
          this.finish({ error });
          throw error;
        },
      )
      .finally(() => signal?.removeEventListener('abort', forwardAbort));
    // Someone who only iterates learns of a failure there; the rejection must not also go unhandled.
    this.result.catch(() => undefined);
  }

  /** Closes the connection and ends iteration; `result` rejects. The turn goes on on the server. */
  cancel(): void {
    this.controller.abort(new ConfabClientError('the turn stream was cancelled'));
  }

  /** Waits for the end of the turn and joins its assistant text (see {@link TurnResult.text}). */
  async text(): Promise<string> {
    return (await this.result).text();
  }

  [Symbol.asyncIterator](): AsyncIterator<StreamEvent> {
    if (this.iterated) throw new ConfabClientError('a turn stream can be iterated only once');
    this.iterated = true;
    return {
      next: async () => {
        for (;;) {
          const event = this.buffer.shift();
          if (event) return { done: false, value: event };
          if (this.failure) throw this.failure.error;
          if (this.finished) return { done: true, value: undefined };
          await new Promise<void>((resolve) => {
            this.wake = resolve;
          });
        }
      },
      return: async () => {
        if (!this.finished) this.cancel();
        this.buffer.length = 0;
        return { done: true, value: undefined };
      },
    };
  }

  private push(event: StreamEvent): void {
    this.buffer.push(event);
    this.notify();
  }

  private finish(failure: { error: unknown } | null): void {
    this.finished = true;
    this.failure = failure;
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
