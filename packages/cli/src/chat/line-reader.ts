import { createInterface, type Interface } from 'node:readline';

/** Lines read ahead before input is paused: enough for a pasted script, bounded for a huge pipe. */
const HIGH_WATER_LINES = 64;
const LOW_WATER_LINES = 16;

/**
 * Reads the user's lines one at a time, for turns and for answers to questions (approvals, tool
 * results) alike, so a piped script can answer a question with its next line. On a terminal it
 * shows a prompt and reports Ctrl-C through {@link onInterrupt}; from a pipe it shows nothing.
 * Lines that arrive while nobody waits are kept in order.
 */
export class LineReader {
  private readonly lines: string[] = [];
  private readonly readline: Interface;
  private waiter: ((line: string | null) => void) | null = null;
  private ended = false;
  private paused = false;

  /**
   * @param input where lines come from
   * @param promptOutput where the terminal prompt and the echo of typed text go (terminal only)
   * @param interactive whether `input` is a terminal the user types into
   */
  constructor(
    input: NodeJS.ReadableStream,
    promptOutput: NodeJS.WritableStream,
    readonly interactive: boolean,
  ) {
    this.readline = createInterface({
      input,
      output: interactive ? promptOutput : undefined,
      terminal: interactive,
      historySize: interactive ? 100 : 0,
    });
    this.readline.on('line', (line) => this.deliver(line));
    this.readline.on('close', () => {
      this.ended = true;
      this.deliver(null);
    });
  }

  /**
   * The next line without its line break (shown `prompt` first on a terminal), or null at the end
   * of input (Ctrl-D, end of the pipe, or {@link close}).
   */
  next(prompt = ''): Promise<string | null> {
    const queued = this.lines.shift();
    if (queued !== undefined) {
      this.resumeIfDrained();
      return Promise.resolve(queued);
    }
    if (this.ended) return Promise.resolve(null);
    if (this.interactive) {
      this.readline.setPrompt(prompt);
      this.readline.prompt();
    }
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  /** Calls `handler` on Ctrl-C typed at the terminal (a pipe gets the default signal handling). */
  onInterrupt(handler: () => void): void {
    this.readline.on('SIGINT', handler);
  }

  /** Stops reading; a pending {@link next} resolves to null. */
  close(): void {
    this.readline.close();
  }

  private deliver(line: string | null): void {
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = null;
      waiter(line);
      return;
    }
    if (line === null) return;
    this.lines.push(line);
    if (this.lines.length >= HIGH_WATER_LINES && !this.paused) {
      this.paused = true;
      this.readline.pause();
    }
  }

  private resumeIfDrained(): void {
    if (this.paused && this.lines.length <= LOW_WATER_LINES) {
      this.paused = false;
      this.readline.resume();
    }
  }
}
