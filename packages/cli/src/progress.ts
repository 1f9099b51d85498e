import type { MaybeTerminal } from './environment.js';

/** How often a progress line may be redrawn: enough to look alive, little enough to cost nothing. */
const REDRAW_INTERVAL_MS = 100;

/**
 * A progress line for long work, on stderr so it never mixes with output meant for scripts
 * (stdout, `--json`). On a terminal the line is redrawn in place; elsewhere (a pipe, a log file)
 * nothing is written, since a stream of half-finished counts only clutters a log.
 */
export class Progress {
  private visible = false;
  private drawnAt = 0;

  constructor(private readonly stream: NodeJS.WritableStream & MaybeTerminal) {}

  /** Shows `text` in place of the previous progress line (redrawn at most every 100 ms). */
  update(text: string): void {
    if (!this.stream.isTTY) return;
    const now = Date.now();
    if (this.visible && now - this.drawnAt < REDRAW_INTERVAL_MS) return;
    this.drawnAt = now;
    this.visible = true;
    this.stream.write(`\r\x1b[2K${text}`);
  }

  /** Erases the progress line, so the next output starts on a clean line. */
  clear(): void {
    if (!this.visible) return;
    this.visible = false;
    this.stream.write('\r\x1b[2K');
  }
}
