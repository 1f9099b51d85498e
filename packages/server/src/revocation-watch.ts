import type { SessionStore } from 'confab';

interface Watched {
  controller: AbortController;
  streams: number;
}

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
   * ended (idempotent). Streams of one token share one signal.
   */
  watch(tokenHash: string): { signal: AbortSignal; release: () => void } {
    let entry = this.watched.get(tokenHash);
    if (!entry) {
      entry = { controller: new AbortController(), streams: 0 };
      this.watched.set(tokenHash, entry);
    }
    const watched = entry;
    watched.streams += 1;
    this.timer ??= setInterval(() => void this.check(), this.intervalMs);
    this.timer.unref?.();
    let released = false;
    return {
      signal: watched.controller.signal,
      release: () => {
        if (released) return;
        released = true;
        watched.streams -= 1;
        if (watched.streams === 0 && this.watched.get(tokenHash) === watched) this.watched.delete(tokenHash);
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
      for (const [tokenHash, entry] of [...this.watched]) {
        let found: Awaited<ReturnType<SessionStore['findToken']>>;
        try {
          found = await this.store.findToken(tokenHash);
        } catch {
          return;
        }
        if (found && found.revokedAt === null) continue;
        if (this.watched.get(tokenHash) === entry) this.watched.delete(tokenHash);
        entry.controller.abort('token revoked');
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
