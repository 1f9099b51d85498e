import { createSseParser } from '../../packages/server/src/test-support/sse-reader.js';

/** How long one request may take before the test calls the server hung. */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * What became of a request to a server that may be killed at any moment:
 * - `answered`: a complete answer (any status) — for a stream, one that reached its `turn-end`;
 * - `refused`: the connection was refused, so the request never reached a server;
 * - `cut-off`: the request may have reached the server but no complete answer came back (the
 *   server died); for a stream, `events` holds the persisted events received before the cut.
 */
export type CrashOutcome<Body> =
  | { kind: 'answered'; status: number; body: Body; events: string[] }
  | { kind: 'refused'; error: unknown }
  | { kind: 'cut-off'; error: unknown; events: string[] };

/** A turn answer as `POST …/turns` and `/resume` give it in JSON (the fields the audit reads). */
export interface TurnAnswer {
  turn?: { index: number; stopReason: string; events: Array<{ seq: number; type: string }> };
  error?: { code: string; message: string };
}

/**
 * The HTTP calls of the crash loop, for one app: JSON requests and streamed turns, each telling
 * a refused connection from one cut off by a crash. A request that outlives
 * {@link REQUEST_TIMEOUT_MS} throws: a live server must answer, and a dead one refuses or resets.
 */
export class CrashHttp {
  constructor(
    private readonly baseUrl: () => string,
    private readonly token: string,
  ) {}

  /** A JSON request; `events` of the outcome are the answer's `turn.events`, re-serialised one by one. */
  async json<Body = TurnAnswer>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<CrashOutcome<Body>> {
    let response: Response;
    try {
      response = await this.send(method, path, body, headers);
    } catch (error) {
      return failure(error, []);
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      return cutOff(error, []);
    }
    const parsed = parseJson(text) as Body & TurnAnswer;
    const events = (parsed?.turn?.events ?? []).map((event) => JSON.stringify(event));
    return { kind: 'answered', status: response.status, body: parsed, events };
  }

  /**
   * A streamed turn (`Accept: text/event-stream`). `events` are the `data:` payloads of the
   * persisted events' frames (ids without a `.`), byte for byte as the server sent them; deltas
   * are skipped. A stream that ends before a `turn-end` frame is `cut-off`. A non-200 answer is
   * `answered` with the error body.
   */
  async stream(path: string, body: unknown, headers: Record<string, string> = {}): Promise<CrashOutcome<TurnAnswer>> {
    let response: Response;
    try {
      response = await this.send('POST', path, body, { ...headers, accept: 'text/event-stream' });
    } catch (error) {
      return failure(error, []);
    }
    if (response.status !== 200) {
      try {
        const text = await response.text();
        return { kind: 'answered', status: response.status, body: parseJson(text) as TurnAnswer, events: [] };
      } catch (error) {
        return cutOff(error, []);
      }
    }
    const events: string[] = [];
    let ended = false;
    const feed = createSseParser({
      onMessage: (message) => {
        if (message.id === undefined || message.id.includes('.')) return;
        events.push(message.data);
        if (message.event === 'turn-end') ended = true;
      },
      onComment: () => undefined,
    });
    try {
      const decoder = new TextDecoder();
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        feed(decoder.decode(chunk, { stream: true }));
      }
    } catch (error) {
      return cutOff(error, events);
    }
    if (!ended) return { kind: 'cut-off', error: new Error('the stream ended before turn-end'), events };
    return { kind: 'answered', status: 200, body: {}, events };
  }

  /** Every event of a session, oldest first, each re-serialised as one JSON text. */
  async readLog(sessionId: string): Promise<string[]> {
    const events: string[] = [];
    let after = 0;
    for (;;) {
      const outcome = await this.json<{ events: unknown[]; nextAfter: number | null }>(
        'GET',
        `/v1/sessions/${sessionId}/events?after=${after}&limit=1000`,
      );
      if (outcome.kind !== 'answered' || outcome.status !== 200) {
        throw new Error(`reading the log of ${sessionId} failed: ${describeOutcome(outcome)}`);
      }
      events.push(...outcome.body.events.map((event) => JSON.stringify(event)));
      if (outcome.body.nextAfter === null) return events;
      after = outcome.body.nextAfter;
    }
  }

  private send(method: string, path: string, body: unknown, headers: Record<string, string>): Promise<Response> {
    return fetch(`${this.baseUrl()}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  }
}

/** One line about an outcome, for failure messages. */
export function describeOutcome(outcome: CrashOutcome<unknown>): string {
  if (outcome.kind === 'answered') return `${outcome.status} ${JSON.stringify(outcome.body).slice(0, 300)}`;
  return `${outcome.kind}: ${errorText(outcome.error)}`;
}

function failure(error: unknown, events: string[]): CrashOutcome<never> {
  if (errorCode(error) === 'ECONNREFUSED') return { kind: 'refused', error };
  return cutOff(error, events);
}

function cutOff(error: unknown, events: string[]): CrashOutcome<never> {
  if (isTimeout(error)) throw new Error(`a request got no answer in ${REQUEST_TIMEOUT_MS} ms: the server hangs`);
  return { kind: 'cut-off', error, events };
}

/** The parsed body, or the text itself when it is not JSON (the failure message shows it). */
function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return text;
  }
}

function isTimeout(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'TimeoutError';
}

function errorCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: string; errors?: Array<{ code?: string }> } })?.cause;
  return cause?.code ?? cause?.errors?.[0]?.code;
}

function errorText(error: unknown): string {
  const cause = (error as { cause?: unknown })?.cause;
  const own = error instanceof Error ? error.message : String(error);
  return cause instanceof Error ? `${own} (${cause.message})` : own;
}
