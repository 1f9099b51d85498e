import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { ConfabClientError, TransportError } from './errors.js';

/** One Server-Sent Events frame: `id:`, `event:` and the joined `data:` lines. */
export type ServerSentEvent = EventSourceMessage;

/**
 * The frames of an SSE response body, in order. Ends when the body ends; a body that breaks off
 * throws a {@link TransportError}; a frame cut off by the end of the body is dropped, as the SSE
 * specification requires, so a half-received event is never delivered. Comment lines (the
 * server's heartbeats) are not frames: `onComment` hears of each. Leaving the loop early cancels
 * the body, which closes the connection.
 */
export async function* readServerSentEvents(
  response: Response,
  signal?: AbortSignal,
  onComment?: () => void,
): AsyncGenerator<ServerSentEvent, void, undefined> {
  const contentType = response.headers.get('content-type');
  if (contentType && !/^text\/event-stream/i.test(contentType)) {
    // Not retried: a server or proxy answering JSON here would answer JSON again.
    await response.body?.cancel().catch(() => undefined);
    throw new ConfabClientError(`expected an event stream, got ${contentType}`);
  }
  if (!response.body) throw new TransportError('the event stream answer has no body');
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const ready: ServerSentEvent[] = [];
  const parser = createParser({ onEvent: (message) => ready.push(message), onComment: () => onComment?.() });
  // Not every fetch ties the body to the request's signal: cancelling here unblocks a pending read.
  const onAbort = () => reader.cancel(signal?.reason).catch(() => undefined);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (cause) {
        if (signal?.aborted) throw signal.reason;
        throw new TransportError('the event stream broke off', { cause });
      }
      if (signal?.aborted) throw signal.reason;
      if (chunk.done) {
        parser.feed(decoder.decode());
        yield* ready.splice(0);
        return;
      }
      parser.feed(decoder.decode(chunk.value, { stream: true }));
      while (ready.length > 0) yield ready.shift()!;
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    // Cancelling tells the server the client left; errors here only mean it already closed.
    reader.cancel().catch(() => undefined);
  }
}
