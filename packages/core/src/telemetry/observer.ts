import type { StopReason, Usage } from '../model/event.js';

/**
 * Something an operator may want to know about, reported by the runtime as it happens (a server
 * turns these into log lines and metrics). Each is reported synchronously inside the work it
 * describes, so the observer sees that work's active trace context.
 */
export type RuntimeObservation =
  | { type: 'turn.started'; sessionId: string; appId: string; turn: number }
  | {
      type: 'turn.ended';
      sessionId: string;
      appId: string;
      turn: number;
      stopReason: StopReason;
      durationMs: number;
      usage: Usage | null;
    }
  /** A model call ended in a provider error; the turn ends with `stopReason: "error"`. */
  | { type: 'model.failed'; sessionId: string; turn: number; model: string; message: string }
  /** This process took over the lease of a session whose previous holder let it expire (died or stalled). */
  | { type: 'lease.takeover'; sessionId: string }
  /** A turn left running by a dead or stalled process was closed with `stopReason: "error"`. */
  | { type: 'turn.recovered'; sessionId: string; turn: number }
  /** A compaction before a turn (`automatic`) or on request; `error` set when it failed. */
  | { type: 'compaction'; sessionId: string; automatic: boolean; durationMs: number; error?: string };

/**
 * Receives {@link RuntimeObservation}s. Must not throw and must be quick: it runs on the turn's
 * path. Optional everywhere; the runtime reports nothing without one.
 */
export type RuntimeObserver = (observation: RuntimeObservation) => void;

/** Calls `observer` with `observation`, swallowing what it throws so telemetry never fails a turn. */
export function observe(observer: RuntimeObserver | undefined, observation: RuntimeObservation): void {
  if (!observer) return;
  try {
    observer(observation);
  } catch {
    // An observer's failure is its own problem, never the turn's.
  }
}
