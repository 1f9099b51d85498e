import { createSseParser } from '../../packages/server/src/test-support/sse-reader.js';
import type { AuthPlan, RequestPlan } from './fuzz-plan.js';
import type { ResolvedRequest } from './fuzz-state.js';

/** No answer (headers, or a whole JSON body) may take longer: a turn waits at most 30 s for its turn. */
export const REQUEST_TIMEOUT_MS = 45_000;
/** A turn's SSE must end by itself (after `turn-end`) within this once its headers arrived. */
export const TURN_STREAM_TIMEOUT_MS = 20_000;

/** One SSE frame as received, `data` still text (the check parses it). */
export interface ReceivedFrame {
  id: string | undefined;
  event: string | undefined;
  data: string;
}

/** What came back for one request. */
export interface Answer {
  status: number;
  headers: Headers;
  /** The body as text (JSON answers), or '' for streams. */
  text: string;
  /** The parsed JSON body, or undefined when it is not JSON. */
  json: unknown;
  /** SSE frames, when the answer was a stream. */
  frames: ReceivedFrame[] | null;
  /** For streams: true when the server ended it, false when the fuzzer had to abort it. */
  ended: boolean;
  /** A transport failure (connection reset, timeout), which the check reports as a problem. */
  transportError: string | null;
}

/** The tokens of the two apps. */
export interface FuzzTokens {
  a: string;
  b: string;
}

function authorization(auth: AuthPlan, tokens: FuzzTokens): string | null {
  if (auth === 'none') return null;
  if (auth === 'a' || auth === 'b') return `Bearer ${tokens[auth]}`;
  return auth.header;
}

/**
 * Sends one resolved request and reads its answer, bounded: JSON answers within
 * {@link REQUEST_TIMEOUT_MS}; a turn's SSE until the server ends it (at most
 * {@link TURN_STREAM_TIMEOUT_MS}); a live tail (events, lifecycle) for a short, plan-chosen while,
 * then the fuzzer leaves, as a browser tab does.
 */
export async function send(baseUrl: string, plan: RequestPlan, request: ResolvedRequest, tokens: FuzzTokens) {
  const headers: Record<string, string> = { ...plan.headers };
  const auth = authorization(plan.auth, tokens);
  if (auth !== null) headers.authorization = auth;
  if (plan.stream) headers.accept = 'text/event-stream';
  if (plan.body?.contentType) headers['content-type'] = plan.body.contentType;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('request timed out')), REQUEST_TIMEOUT_MS);
  const answer: Answer = {
    status: 0,
    headers: new Headers(),
    text: '',
    json: undefined,
    frames: null,
    ended: false,
    transportError: null,
  };
  try {
    const response = await fetch(`${baseUrl}${request.path}`, {
      method: plan.method,
      headers,
      body: plan.method === 'GET' || plan.method === 'HEAD' ? undefined : (request.body as BodyInit | undefined),
      signal: controller.signal,
    });
    answer.status = response.status;
    answer.headers = response.headers;
    if ((response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      // A turn's stream (a chat's POST included) ends by itself; tails and a resumed chat are left.
      const live =
        !plan.operation.includes('/turns') && !plan.operation.includes('/resume') && plan.operation !== 'post /v1/chat';
      clearTimeout(timer);
      const budget = live ? 50 + (plan.pick % 350) : TURN_STREAM_TIMEOUT_MS;
      const stop = setTimeout(() => controller.abort(new Error('left the stream')), budget);
      answer.frames = [];
      answer.ended = await readFrames(response, answer.frames);
      clearTimeout(stop);
      return answer;
    }
    answer.text = await response.text();
    try {
      answer.json = answer.text ? JSON.parse(answer.text) : undefined;
    } catch {
      // Not JSON: the check decides whether this answer had to be.
    }
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
    answer.transportError = error instanceof Error ? `${error.name}: ${error.message}${cause}` : String(error);
  } finally {
    clearTimeout(timer);
  }
  return answer;
}

/** Reads SSE frames into `frames` until the stream ends (true) or the fetch is aborted (false). */
async function readFrames(response: Response, frames: ReceivedFrame[]): Promise<boolean> {
  const feed = createSseParser({ onMessage: (message) => frames.push(message), onComment: () => undefined });
  const decoder = new TextDecoder();
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      feed(decoder.decode(chunk, { stream: true }));
    }
    return true;
  } catch {
    return false;
  }
}
