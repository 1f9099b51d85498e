import type { FetchFunction } from '../http.js';
import type { SessionEvent, StreamEvent } from '../types.js';

/** A request as the fake fetch saw it. */
export interface RecordedRequest {
  method: string;
  url: URL;
  headers: Headers;
  body: string | null;
  signal: AbortSignal | undefined;
}

/** Answers one request of the fake fetch. */
export type FakeRoute = (request: RecordedRequest) => Response | Promise<Response>;

/** A `fetch` that answers from `route` and records every request, for unit tests without a server. */
export function fakeFetch(route: FakeRoute): FetchFunction & { requests: RecordedRequest[] } {
  const requests: RecordedRequest[] = [];
  const fetchFunction = async (input: string, init: RequestInit) => {
    const body = typeof init.body === 'string' ? init.body : init.body ? '(binary)' : null;
    const request: RecordedRequest = {
      method: init.method ?? 'GET',
      url: new URL(input),
      headers: new Headers(init.headers),
      body,
      signal: init.signal ?? undefined,
    };
    requests.push(request);
    init.signal?.throwIfAborted();
    return route(request);
  };
  return Object.assign(fetchFunction, { requests });
}

/** A JSON response. */
export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

/** The contract's error answer. */
export function errorResponse(status: number, code: string, headers: Record<string, string> = {}): Response {
  return jsonResponse({ error: { code, message: `${code} happened`, requestId: 'req_test' } }, status, headers);
}

/** The SSE frame of a session event, as the server writes it. */
export function eventFrame(event: StreamEvent): string {
  const id = 'sub' in event ? `${event.seq}.${event.sub}` : String(event.seq);
  return `id: ${id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/** Options of {@link sseResponse}. */
export interface SseResponseOptions {
  /** Bytes per chunk, so frames arrive split (default: one chunk per frame). */
  chunkSize?: number;
  /** Break the body off (a network error) after this many bytes. */
  cutAfterBytes?: number;
  /** Keep the body open after the frames instead of ending it (a live tail). */
  keepOpen?: boolean;
}

/** An SSE response whose body is `text`, chunked, and optionally cut off mid-way. */
export function sseResponse(text: string, options: SseResponseOptions = {}): Response {
  const bytes = new TextEncoder().encode(`: connected\n\n${text}`);
  const limit = options.cutAfterBytes ?? bytes.length;
  const chunkSize = options.chunkSize ?? 64;
  let offset = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= limit) {
        if (options.cutAfterBytes !== undefined) controller.error(new TypeError('terminated'));
        else if (!options.keepOpen) controller.close();
        return new Promise<void>(() => undefined);
      }
      const end = Math.min(limit, offset + chunkSize);
      controller.enqueue(bytes.slice(offset, end));
      offset = end;
    },
  });
  return new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
}

/** A scripted turn: input, turn-start, deltas, message, turn-end, numbered from `firstSeq`. */
export function scriptedTurn(options: { sessionId?: string; turn?: number; firstSeq?: number; text?: string } = {}) {
  const sessionId = options.sessionId ?? 'ses_1';
  const turn = options.turn ?? 1;
  const seq = options.firstSeq ?? 1;
  const text = options.text ?? 'echo: hello there';
  const at = '2025-01-01T00:00:00.000Z';
  const pieces = text.match(/.{1,5}/g) ?? [];
  const events: StreamEvent[] = [
    { seq, sessionId, turn, type: 'input', at, data: { inputId: 'inp_1', text: 'hello there' } },
    {
      seq: seq + 1,
      sessionId,
      turn,
      type: 'turn-start',
      at,
      data: { inputIds: ['inp_1'], inputCount: 1, model: 'echo' },
    },
    ...pieces.map(
      (delta, index): StreamEvent => ({
        seq: seq + 1,
        sub: index + 1,
        sessionId,
        turn,
        type: 'text-delta',
        at,
        data: { messageId: 'msg_1', delta },
      }),
    ),
    { seq: seq + 2, sessionId, turn, type: 'message', at, data: { messageId: 'msg_1', role: 'assistant', text } },
    {
      seq: seq + 3,
      sessionId,
      turn,
      type: 'turn-end',
      at,
      data: {
        snapshotId: 'snap_1',
        inputCount: 1,
        inputIds: ['inp_1'],
        stopReason: 'stop',
        usage: null,
        durationMs: 5,
      },
    },
  ];
  const persisted = events.filter((event): event is SessionEvent => !('sub' in event));
  return { events, persisted, text: events.map(eventFrame).join('') };
}

/** The wire `{ turn }` of a scripted turn's persisted events. */
export function wireTurn(persisted: SessionEvent[], stopReason = 'stop') {
  const end = persisted.at(-1);
  return {
    turn: {
      index: end?.turn ?? 1,
      inputCount: 1,
      inputIds: ['inp_1'],
      events: persisted,
      stopReason,
      snapshotId: null,
      usage: null,
      durationMs: 1,
    },
  };
}

/** Resolves after `ms`. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
