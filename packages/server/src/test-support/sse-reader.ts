import type { Loose } from './harness.js';

/** One frame as the client saw it, with `data` parsed. */
export interface Frame {
  id: string | undefined;
  event: string | undefined;
  data: Loose;
}

/** A raw SSE message. */
interface Message {
  id: string | undefined;
  event: string | undefined;
  data: string;
}

/**
 * A minimal parser of the SSE wire format (WHATWG HTML § server-sent events): lines end in CRLF,
 * LF or CR; `field: value` lines build a message, a blank line dispatches it, `:` starts a comment.
 * Written here so the tests check the framing independently of the server's own encoder.
 */
export function createSseParser(handlers: { onMessage: (message: Message) => void; onComment: () => void }) {
  let buffer = '';
  let message: Message = { id: undefined, event: undefined, data: '' };
  let hasData = false;
  const line = (text: string) => {
    if (text === '') {
      if (hasData) handlers.onMessage({ ...message, data: message.data.slice(0, -1) });
      message = { id: undefined, event: undefined, data: '' };
      hasData = false;
      return;
    }
    if (text.startsWith(':')) {
      handlers.onComment();
      return;
    }
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') {
      message.data += `${value}\n`;
      hasData = true;
    } else if (field === 'event') message.event = value;
    else if (field === 'id') message.id = value;
  };
  return (chunk: string) => {
    buffer += chunk;
    for (;;) {
      const match = /\r\n|\r|\n/.exec(buffer);
      // A lone CR at the end may be the first half of a CRLF: wait for more.
      if (!match || (match[0] === '\r' && match.index === buffer.length - 1)) return;
      line(buffer.slice(0, match.index));
      buffer = buffer.slice(match.index + match[0].length);
    }
  };
}

/**
 * Reads an SSE response frame by frame. Heartbeat comments are counted in `comments`, not
 * returned as frames.
 */
export class SseReader {
  readonly frames: Frame[] = [];
  comments = 0;
  private readonly queue: Frame[] = [];
  private waiting: (() => void) | null = null;
  private ended = false;
  private failure: unknown = null;
  readonly done: Promise<void>;

  constructor(readonly response: Response) {
    const feed = createSseParser({
      onMessage: (message) => {
        const frame = { id: message.id, event: message.event, data: JSON.parse(message.data) };
        this.frames.push(frame);
        this.queue.push(frame);
        this.wake();
      },
      onComment: () => {
        this.comments += 1;
      },
    });
    this.done = (async () => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          feed(decoder.decode(chunk, { stream: true }));
        }
      } catch (error) {
        this.failure = error;
      } finally {
        this.ended = true;
        this.wake();
      }
    })();
  }

  /** The next frame, or null when the stream ended. Throws after `timeoutMs`. */
  async next(timeoutMs = 10_000): Promise<Frame | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = this.queue.shift();
      if (frame) return frame;
      if (this.ended) return null;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error('no SSE frame in time');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiting = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Frames until (and including) the first that matches `stop`. */
  async until(stop: (frame: Frame) => boolean, timeoutMs = 10_000): Promise<Frame[]> {
    const collected: Frame[] = [];
    for (;;) {
      const frame = await this.next(timeoutMs);
      if (!frame) return collected;
      collected.push(frame);
      if (stop(frame)) return collected;
    }
  }

  /** Every remaining frame until the stream ends. */
  async rest(timeoutMs = 10_000): Promise<Frame[]> {
    return this.until(() => false, timeoutMs);
  }

  get streamError(): unknown {
    return this.failure;
  }

  private wake(): void {
    const resolve = this.waiting;
    this.waiting = null;
    resolve?.();
  }
}
