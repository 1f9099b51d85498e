import type { DeltaEvent, SessionEvent } from 'confab';

/** One SSE frame as received, `data` parsed. */
export interface Frame {
  id: string;
  event: string;
  data: SessionEvent | DeltaEvent;
}

/**
 * `GET /v1/sessions/{id}/events` as SSE, read frame by frame. Parses the wire itself (blank line
 * ends a frame, `:` lines are heartbeats) so the test does not trust the server's own encoder.
 */
export class EventStream {
  /** Every frame so far, in arrival order. */
  readonly frames: Frame[] = [];
  private wake: (() => void) | null = null;
  private ended = false;
  private failure: unknown = null;

  private constructor(
    private readonly response: Response,
    private readonly controller: AbortController,
  ) {
    void this.read();
  }

  /** Opens the stream; `lastEventId` is sent as `Last-Event-ID`. Throws unless the answer is a 200 event stream. */
  static async open(
    url: string,
    token: string,
    sessionId: string,
    options: { lastEventId?: string } = {},
  ): Promise<EventStream> {
    const controller = new AbortController();
    const response = await fetch(`${url}/v1/sessions/${sessionId}/events`, {
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'text/event-stream',
        ...(options.lastEventId === undefined ? {} : { 'last-event-id': options.lastEventId }),
      },
      signal: controller.signal,
    });
    if (response.status !== 200 || !response.headers.get('content-type')?.startsWith('text/event-stream')) {
      throw new Error(`events stream: ${response.status} ${await response.text()}`);
    }
    return new EventStream(response, controller);
  }

  /** Persisted events received so far (deltas left out), in arrival order. */
  get persisted(): SessionEvent[] {
    return this.frames.filter((frame) => !frame.id.includes('.')).map((frame) => frame.data as SessionEvent);
  }

  /** Waits until `done` holds for the frames so far; throws after `timeoutMs` or when the stream ends first. */
  async waitFor(what: string, done: (frames: Frame[]) => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.frames)) {
      if (this.ended) throw new Error(`the stream ended before ${what}: ${String(this.failure ?? 'closed')}`);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out waiting for ${what}; frames: ${this.describe()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Leaves the stream, as a client disconnecting would. */
  close(): void {
    this.controller.abort();
  }

  /** The frames' ids, for failure messages. */
  describe(): string {
    return this.frames.map((frame) => `${frame.id}:${frame.event}`).join(' ');
  }

  private async read(): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    let frame: Partial<Frame> & { text: string } = { text: '' };
    try {
      for await (const chunk of this.response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        for (;;) {
          const match = /\r\n|\r|\n/.exec(buffer);
          // A CR at the very end may be the first half of a CRLF: wait for the next chunk.
          if (!match || (match[0] === '\r' && match.index === buffer.length - 1)) break;
          const line = buffer.slice(0, match.index);
          buffer = buffer.slice(match.index + match[0].length);
          if (line === '') {
            if (frame.text) {
              this.frames.push({ id: frame.id ?? '', event: frame.event ?? 'message', data: JSON.parse(frame.text) });
              this.wake?.();
            }
            frame = { text: '' };
          } else if (!line.startsWith(':')) {
            const colon = line.indexOf(':');
            const field = colon === -1 ? line : line.slice(0, colon);
            const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'data') frame.text += frame.text ? `\n${value}` : value;
            else if (field === 'id') frame.id = value;
            else if (field === 'event') frame.event = value;
          }
        }
      }
    } catch (error) {
      if (!this.controller.signal.aborted) this.failure = error;
    } finally {
      this.ended = true;
      this.wake?.();
    }
  }
}
