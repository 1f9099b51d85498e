/** One complete Server-Sent Events frame. */
export interface SseFrame {
  id: string | undefined;
  event: string | undefined;
  data: string;
}

/**
 * A minimal SSE parser (WHATWG HTML, server-sent events), written here so the reliability checks
 * read the wire independently of the client SDK's parser: lines end in CRLF, LF or CR; a blank line
 * dispatches a frame that has data; `:` lines are comments (heartbeats), only counted. Text after
 * the last blank line is a frame cut off by a disconnect: it is never dispatched.
 */
export class SseFrameParser {
  /** Comment lines seen (the server's heartbeats and its first `: connected`). */
  comments = 0;
  private buffer = '';
  private frame: SseFrame = { id: undefined, event: undefined, data: '' };
  private hasData = false;

  /** Feeds decoded text; returns the frames it completed, in order. */
  feed(text: string): SseFrame[] {
    this.buffer += text;
    const completed: SseFrame[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      // A CR at the very end may be the first half of a CRLF: wait for more.
      if (!match || (match[0] === '\r' && match.index === this.buffer.length - 1)) return completed;
      const frame = this.line(this.buffer.slice(0, match.index));
      if (frame) completed.push(frame);
      this.buffer = this.buffer.slice(match.index + match[0].length);
    }
  }

  private line(text: string): SseFrame | null {
    if (text === '') {
      const frame = this.hasData ? { ...this.frame, data: this.frame.data.slice(0, -1) } : null;
      this.frame = { id: undefined, event: undefined, data: '' };
      this.hasData = false;
      return frame;
    }
    if (text.startsWith(':')) {
      this.comments += 1;
      return null;
    }
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') {
      this.frame.data += `${value}\n`;
      this.hasData = true;
    } else if (field === 'event') this.frame.event = value;
    else if (field === 'id') this.frame.id = value;
    return null;
  }
}
