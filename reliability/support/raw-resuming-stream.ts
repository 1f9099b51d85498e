import type { StreamEvent } from '@confab/client';
import { SseFrameParser } from './sse-frame-parser.js';

/** Options of {@link readRawResumingStream}. */
export interface RawStreamOptions {
  /** The API's base URL (the flaky proxy's). */
  baseUrl: string;
  token: string;
  sessionId: string;
  /** Open with `POST …/turns` as SSE (this input under this `Idempotency-Key`) instead of `GET …/events`. */
  turn?: { input: string; idempotencyKey: string; model?: string };
  /** The first `GET …/events` replays from after this seq (default 0). */
  after?: number;
  /** Ends the stream after this event; without it the stream is read until `signal` aborts. */
  isLast?: (event: StreamEvent) => boolean;
  signal: AbortSignal;
  /** Called with each event as it arrives, for callers that watch a live tail's progress. */
  onEvent?: (event: StreamEvent) => void;
  /**
   * Consecutive connections that deliver nothing, not even a heartbeat comment, before the stream
   * gives up (it never resumed). A connection that got a comment reached a live server stream.
   */
  maxEmptyConnections: number;
}

/** What a raw stream received, and what it had to do to get it. */
export interface RawStreamResult {
  /** Every event in arrival order, none skipped: duplicates from the server would show here. */
  events: StreamEvent[];
  /** Wire problems: an id that does not name its event, an event name that is not its type, an error answer. */
  problems: string[];
  connections: number;
  /** Connections opened with `Last-Event-ID` (`GET …/events`). */
  resumes: number;
  /** Of those, how many resumed from a delta's id `<seq>.<sub>`. */
  deltaResumes: number;
  /** `POST …/turns` sent again with the same key because the answer broke off before its first event. */
  reopens: number;
  /** `last`: `isLast` matched; `aborted`: `signal` ended it; `gave-up`: it could not resume. */
  ended: 'last' | 'aborted' | 'gave-up';
}

const RETRY_DELAY_MS = 5;

/**
 * Reads a session's event stream over plain `fetch` and resumes it by hand after every broken
 * connection: `GET …/events` with `Last-Event-ID` set to the id of the last complete frame,
 * delta ids `<seq>.<sub>` included. Unlike the client SDK it skips nothing it receives, so the
 * server's own resume (nothing at or before the id, nothing twice) is checked on its own. A turn
 * whose answer broke off before any event is sent again with the same `Idempotency-Key`, which
 * must replay that turn rather than run a second one.
 */
export async function readRawResumingStream(options: RawStreamOptions): Promise<RawStreamResult> {
  const result: RawStreamResult = {
    events: [],
    problems: [],
    connections: 0,
    resumes: 0,
    deltaResumes: 0,
    reopens: 0,
    ended: 'aborted',
  };
  const { signal } = options;
  let lastId: string | null = null;
  let emptyConnections = 0;
  while (!signal.aborted) {
    if (emptyConnections >= options.maxEmptyConnections) {
      result.ended = 'gave-up';
      return result;
    }
    let delivered = 0;
    let parser: SseFrameParser | null = null;
    try {
      const response = await open(options, lastId, result);
      if (response.status === 200) {
        parser = new SseFrameParser();
        const decoder = new TextDecoder();
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          for (const frame of parser.feed(decoder.decode(chunk, { stream: true }))) {
            const event = readFrame(frame, result.problems);
            if (!event) continue;
            result.events.push(event);
            options.onEvent?.(event);
            lastId = frame.id ?? lastId;
            delivered += 1;
            if (options.isLast?.(event)) {
              result.ended = 'last';
              return result;
            }
          }
        }
      } else {
        const body = await response.text().catch(() => '');
        result.problems.push(`${response.status} answer on connection ${result.connections}: ${body.slice(0, 200)}`);
        // 503 (no free stream slot, a drain) may pass; any other error answer would repeat.
        if (response.status !== 503) {
          result.ended = 'gave-up';
          return result;
        }
      }
    } catch {
      // A broken connection (the proxy's doing): resume below, unless the caller ended the stream.
    }
    emptyConnections = delivered > 0 || (parser?.comments ?? 0) > 0 ? 0 : emptyConnections + 1;
    await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
  }
  return result;
}

function open(options: RawStreamOptions, lastId: string | null, result: RawStreamResult): Promise<Response> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${options.token}`,
    accept: 'text/event-stream',
  };
  const base = `${options.baseUrl}/v1/sessions/${encodeURIComponent(options.sessionId)}`;
  result.connections += 1;
  if (lastId === null && options.turn) {
    if (result.connections > 1) result.reopens += 1;
    const body: Record<string, string> = { input: options.turn.input };
    if (options.turn.model) body.model = options.turn.model;
    return fetch(`${base}/turns`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'idempotency-key': options.turn.idempotencyKey },
      body: JSON.stringify(body),
      signal: options.signal,
    });
  }
  if (lastId !== null) {
    result.resumes += 1;
    if (lastId.includes('.')) result.deltaResumes += 1;
    headers['last-event-id'] = lastId;
  }
  const query = lastId === null ? `?after=${options.after ?? 0}` : '';
  return fetch(`${base}/events${query}`, { headers, signal: options.signal });
}

/** The frame's event, checked against its framing (DESIGN §6.1); null (and a problem) when unreadable. */
function readFrame(frame: { id?: string; event?: string; data: string }, problems: string[]): StreamEvent | null {
  let event: StreamEvent;
  try {
    event = JSON.parse(frame.data) as StreamEvent;
  } catch {
    problems.push(`frame ${frame.id} is not JSON: ${frame.data.slice(0, 120)}`);
    return null;
  }
  if (event.type === undefined && frame.event === 'stream-error') {
    problems.push(`stream-error frame: ${frame.data.slice(0, 200)}`);
    return null;
  }
  const expectedId = 'sub' in event ? `${event.seq}.${event.sub}` : String(event.seq);
  if (frame.id !== expectedId) problems.push(`frame id ${frame.id} carries event ${expectedId}`);
  if (frame.event !== event.type) problems.push(`frame event ${frame.event} carries type ${event.type}`);
  return event;
}
