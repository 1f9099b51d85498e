import type { LifecycleBus } from '../lifecycle/lifecycle-bus.js';
import type { SessionStore, SweepResult } from '../store/port/session-store.js';

/** Retention settings; each threshold is optional and off when absent. */
export interface RetentionOptions {
  /** Soft-close sessions idle (no activity) for this long. */
  closeAfterIdleMs?: number;
  /** Hard-delete sessions closed for this long. */
  deleteAfterClosedMs?: number;
  /** Sweep on a timer this often; off when absent (call `sweep()` yourself). */
  sweepIntervalMs?: number;
}

/**
 * Applies retention: closes idle sessions and hard-deletes long-closed ones through the store's
 * atomic `sweep`, never touching a session with a pending interrupt unless forced, deletes expired
 * files, and emits `session.closed` / `session.deleted` after each change is committed.
 */
export class RetentionSweeper {
  private readonly timer: ReturnType<typeof setInterval> | null;
  private running: Promise<SweepResult> | null = null;

  constructor(
    private readonly store: SessionStore,
    private readonly bus: LifecycleBus,
    private readonly options: RetentionOptions,
    private readonly onRemoved: (sessionId: string) => void,
  ) {
    this.timer = options.sweepIntervalMs
      ? setInterval(() => {
          this.sweep().catch(() => undefined);
        }, options.sweepIntervalMs)
      : null;
    this.timer?.unref?.();
  }

  /** One sweep; concurrent calls share the one in progress. */
  sweep(sweepOptions: { force?: boolean } = {}): Promise<SweepResult> {
    this.running ??= this.sweepOnce(sweepOptions.force ?? false).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Stops the timer. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async sweepOnce(force: boolean): Promise<SweepResult> {
    const now = Date.now();
    const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(now - ms).toISOString());
    const total: SweepResult = { closed: [], deleted: [] };
    if (this.options.closeAfterIdleMs === undefined && this.options.deleteAfterClosedMs === undefined) return total;
    for (;;) {
      const result = await this.store.sweep({
        closeIdleBefore: iso(this.options.closeAfterIdleMs),
        deleteClosedBefore: iso(this.options.deleteAfterClosedMs),
        force,
      });
      for (const session of result.closed) {
        this.onRemoved(session.id);
        this.bus.emit('session.closed', session, { reason: 'idle' });
      }
      for (const session of result.deleted) {
        this.onRemoved(session.id);
        this.bus.emit('session.deleted', session, { reason: 'retention' });
      }
      total.closed.push(...result.closed);
      total.deleted.push(...result.deleted);
      // A full page means more may be due; an empty one means done.
      if (result.closed.length + result.deleted.length === 0) break;
      if (result.closed.length < 500 && result.deleted.length < 500) break;
    }
    await this.store.deleteExpiredFiles(new Date(now));
    return total;
  }
}
