import { errorFromAnswer, TransportError } from './errors.js';
import { isTransient, type RetryPolicy, retryDelayMs, sleep } from './retry.js';

/** The `fetch` the client calls: the global one by default, or any compatible function. */
export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

/** A bearer token, or a function that returns the current one (called for every request). */
export type TokenSource = string | (() => string | Promise<string>);

/** Query values; `undefined` and `null` are left out. */
export type QueryValues = Record<string, string | number | boolean | null | undefined>;

/** One request of the API. */
export interface ApiRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path below the base URL, starting with `/`. Path segments must already be encoded. */
  path: string;
  query?: QueryValues;
  /** A JSON body (serialized here). */
  json?: unknown;
  /** A raw body with its media type (file uploads). */
  raw?: { body: BodyInit; contentType: string };
  headers?: Record<string, string>;
  /**
   * True when sending the request twice has the effect of sending it once (GET, a soft close, a
   * request carrying an `Idempotency-Key`): only then are failures retried.
   */
  retrySafe: boolean;
  /** Ask for Server-Sent Events instead of JSON. */
  eventStream?: boolean;
  signal?: AbortSignal;
}

/** Settings of {@link HttpClient}. */
export interface HttpClientOptions {
  baseUrl: string;
  token: TokenSource;
  fetch?: FetchFunction;
  retry: RetryPolicy;
  headers?: Record<string, string>;
}

/**
 * Sends API requests: base URL, bearer token, JSON in and out, the error classes, and retries
 * with backoff for requests that are safe to repeat. Uses only `fetch`, so it runs in browsers,
 * Node 20, Deno, Bun and workers alike.
 */
export class HttpClient {
  readonly retry: RetryPolicy;
  private readonly baseUrl: string;
  private readonly fetchFunction: FetchFunction;

  constructor(private readonly options: HttpClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.retry = options.retry;
    // Called unbound, the global fetch throws "Illegal invocation" in browsers.
    this.fetchFunction = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /**
   * Sends `request` and parses its JSON answer; throws the error class of a non-2xx answer. A
   * retry-safe request is retried also when its answer breaks off while being read.
   */
  json<T>(request: ApiRequest): Promise<T> {
    return this.withRetries(request, async (response) => {
      const text = await readText(response, request.signal);
      if (text === '') return undefined as T;
      try {
        return JSON.parse(text) as T;
      } catch (cause) {
        throw new TransportError(`the answer to ${request.method} ${request.path} is not JSON`, { cause });
      }
    });
  }

  /**
   * Sends `request` and returns the successful response unread (for event streams). Retries like
   * {@link json}; a non-2xx answer is thrown as its error class.
   */
  send(request: ApiRequest): Promise<Response> {
    return this.withRetries(request, async (response) => response);
  }

  private async withRetries<T>(request: ApiRequest, read: (response: Response) => Promise<T>): Promise<T> {
    const attempts = request.retrySafe ? this.retry.attempts : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await read(await this.sendOnce(request));
      } catch (error) {
        if (request.signal?.aborted) throw request.signal.reason;
        if (attempt >= attempts || !isTransient(error)) throw error;
        const delay = retryDelayMs(this.retry, attempt, error);
        if (delay === null) throw error;
        await sleep(delay, request.signal);
      }
    }
  }

  private async sendOnce(request: ApiRequest): Promise<Response> {
    const headers: Record<string, string> = {
      ...this.options.headers,
      Accept: request.eventStream ? 'text/event-stream' : 'application/json',
      Authorization: `Bearer ${await this.currentToken()}`,
      ...request.headers,
    };
    let body: BodyInit | undefined;
    if (request.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(request.json);
    } else if (request.raw) {
      headers['Content-Type'] = request.raw.contentType;
      body = request.raw.body;
    }
    let response: Response;
    try {
      response = await this.fetchFunction(this.url(request.path, request.query), {
        method: request.method,
        headers,
        body,
        signal: request.signal,
      });
    } catch (cause) {
      if (request.signal?.aborted) throw request.signal.reason;
      throw new TransportError(`${request.method} ${request.path} failed: ${describe(cause)}`, { cause });
    }
    if (response.ok) return response;
    const text = await readText(response, request.signal).catch(() => '');
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not the error shape (a proxy's page, say): the status still picks the class.
    }
    throw errorFromAnswer(response.status, parsed, response.headers);
  }

  private async currentToken(): Promise<string> {
    const token = this.options.token;
    return typeof token === 'function' ? await token() : token;
  }

  private url(path: string, query: QueryValues | undefined): string {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null) search.set(key, String(value));
    }
    const queryString = search.toString();
    return `${this.baseUrl}${path}${queryString ? `?${queryString}` : ''}`;
  }
}

/** Encodes one path segment (ids and channel names may hold any character). */
export function segment(value: string): string {
  return encodeURIComponent(value);
}

async function readText(response: Response, signal: AbortSignal | undefined): Promise<string> {
  try {
    return await response.text();
  } catch (cause) {
    if (signal?.aborted) throw signal.reason;
    throw new TransportError(`reading the answer failed: ${describe(cause)}`, { cause });
  }
}

function describe(cause: unknown): string {
  if (cause instanceof Error) {
    const inner = cause.cause instanceof Error ? ` (${cause.cause.message})` : '';
    return `${cause.message}${inner}`;
  }
  return String(cause);
}
