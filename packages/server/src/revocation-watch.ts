import type { SessionStore } from 'confab/store';

/** The streams of one token: one controller each (a shared signal would collect one listener per stream). */
type Watched = Set<AbortController>;

/**
 * Ends the open streams of a token once it is revoked, wherever it was revoked (`confab token
 * revoke`, another server process): while any stream is open, the tokens behind open streams are
 * looked up in the store every `intervalMs` — one lookup per distinct token per round, whatever
 * the number of streams — and a token found revoked or gone aborts its signal. A store error skips
 * the round (streams stay open; the next round retries).
 */
export class RevocationWatch {
  private readonly watched = new Map<string, Watched>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private checking = false;

  constructor(
    private readonly store: SessionStore,
    private readonly intervalMs: number,
  ) {}

  /**
   * The signal that aborts when `tokenHash` is revoked, and the function a stream calls once it
   * ended (idempotent). Streams of one token share one lookup.
   */
  watch(tokenHash: string): { signal: AbortSignal; release: () => void } {
    const streams: Watched = this.watched.get(tokenHash) ?? new Set();
    this.watched.set(tokenHash, streams);
    const controller = new AbortController();
    streams.add(controller);
    this.timer ??= setInterval(() => void this.check(), this.intervalMs);
    this.timer.unref?.();
    return {
      signal: controller.signal,
      release: () => {
        if (!streams.delete(controller)) return;
        if (streams.size === 0 && this.watched.get(tokenHash) === streams) this.watched.delete(tokenHash);
        this.stopWhenIdle();
      },
    };
  }

  /** Stops looking (a shutdown). */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.watched.clear();
  }

  private async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      for (const [tokenHash, streams] of [...this.watched]) {
        let found: Awaited<ReturnType<SessionStore['findToken']>>;
        try {
          found = await this.store.findToken(tokenHash);
        } catch {
          return;
        }
        if (found && found.revokedAt === null) continue;
        if (this.watched.get(tokenHash) === streams) this.watched.delete(tokenHash);
        for (const controller of streams) controller.abort('token revoked');
        streams.clear();
      }
    } finally {
      this.checking = false;
      this.stopWhenIdle();
    }
  }

  private stopWhenIdle(): void {
    if (this.watched.size > 0 || !this.timer) return;
    clearInterval(this.timer);
    this.timer = null;
  }
}
