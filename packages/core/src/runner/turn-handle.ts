import { AsyncChannel } from './async-channel.js';
import type { TurnResult } from './turn-engine.js';
import type { StreamEvent } from './turn-writer.js';

/**
 * A turn in flight: iterate it for its events (persisted events and deltas, in order, ending after
 * the `turn-end`), await `result` for the summary, or `started` to know it got its turn (rejects
 * with the reason it never started, e.g. `turn_in_progress`).
 */
export class TurnHandle<Result = TurnResult> implements AsyncIterable<StreamEvent> {
  readonly result: Promise<Result>;
  readonly started: Promise<void>;
  private readonly channel = new AsyncChannel<StreamEvent>();
  private markStarted!: () => void;
  private markNotStarted!: (error: unknown) => void;
  private hasStarted = false;

  constructor(run: (emit: (event: StreamEvent) => void) => Promise<Result>) {
    this.started = new Promise<void>((resolve, reject) => {
      this.markStarted = resolve;
      this.markNotStarted = reject;
    });
    this.result = run((event) => {
      if (!this.hasStarted) {
        this.hasStarted = true;
        this.markStarted();
      }
      this.channel.push(event);
    }).then(
      (result) => {
        this.markStarted();
        this.channel.close();
        return result;
      },
      (error: unknown) => {
        if (!this.hasStarted) this.markNotStarted(error);
        this.channel.close(error);
        throw error;
      },
    );
    // Callers may await only one of these; the other must not surface as an unhandled rejection.
    this.result.catch(() => undefined);
    this.started.catch(() => undefined);
  }

  [Symbol.asyncIterator](): AsyncIterator<StreamEvent> {
    return this.channel[Symbol.asyncIterator]();
  }
}
