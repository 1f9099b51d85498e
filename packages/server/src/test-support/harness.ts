import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '@confab/sqlite';
import { createModelResolver, newId, newSecret, Pool, type PoolOptions, sha256Hex } from 'confab';
import type { SessionStore } from 'confab/store';
import { type CreateAppOptions, createApp } from '../app.js';
import { createMetrics } from '../metrics.js';
import { type RunningServer, serve } from '../serve.js';

/** A loosely typed JSON answer: tests read what they check. */
// biome-ignore lint/suspicious/noExplicitAny: test answers are read loosely, field by field.
export type Loose = any;

/** A server under test: a real listener on a random port over a SqliteStore in a temp dir. */
export interface TestServer {
  url: string;
  /** The SQLite file of the store. */
  filename: string;
  store: SessionStore;
  pool: Pool;
  running: RunningServer;
  /** Bearer tokens of two apps, `a` and `b`. */
  tokens: { a: string; b: string };
  /** A client bound to app `a` (use `as('b')` for the other). */
  api: ApiClient;
  as(app: 'a' | 'b'): ApiClient;
  close(): Promise<void>;
}

/** Options of {@link startTestServer}. */
export interface TestServerOptions {
  pool?: Omit<PoolOptions, 'store'>;
  /** Wraps the store the pool and the app use (e.g. to hold an append at a chosen moment). */
  wrapStore?: (store: SessionStore) => SessionStore;
  app?: Omit<CreateAppOptions, 'store' | 'pool'>;
}

/** Creates an app and a token for it in `store`; returns the plaintext token. */
export async function createToken(store: SessionStore, appId: string): Promise<string> {
  await store.createApp({ id: appId, name: appId });
  const token = newSecret(32);
  await store.createToken({ id: newId('tok'), appId, tokenHash: await sha256Hex(token), label: 'test' });
  return token;
}

/** Starts a server for one test file. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const directory = mkdtempSync(join(tmpdir(), 'confab-server-'));
  const metrics = createMetrics({ processMetrics: false });
  const filename = join(directory, 'confab.db');
  const instrumented = metrics.instrumentStore(new SqliteStore({ filename }));
  const store = options.wrapStore?.(instrumented) ?? instrumented;
  await store.migrate();
  const tokens = { a: await createToken(store, 'app-a'), b: await createToken(store, 'app-b') };
  const resolveModel = options.pool?.resolveModel ?? createModelResolver();
  const pool = new Pool({ store, ...options.pool, resolveModel });
  const app = createApp({ store, pool, resolveModel, logger: false, metrics, heartbeatMs: 1000, ...options.app });
  const running = await serve({ app, port: 0 });
  const as = (which: 'a' | 'b') => new ApiClient(running.url, tokens[which]);
  return {
    url: running.url,
    filename,
    store,
    pool,
    running,
    tokens,
    api: as('a'),
    as,
    async close() {
      await running.close({ deadlineMs: 2000 });
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** An answer: status, headers and the parsed JSON body (or the text when not JSON). */
export interface ApiAnswer<Body = Loose> {
  status: number;
  headers: Headers;
  body: Body;
}

/** Options of one request. */
export interface CallOptions {
  body?: unknown;
  /** Sent as is (no JSON encoding). */
  raw?: BodyInit;
  headers?: Record<string, string>;
  /** Null: no Authorization header. */
  token?: string | null;
  signal?: AbortSignal;
}

/** A tiny fetch client for tests: JSON in, JSON out. */
export class ApiClient {
  constructor(
    readonly url: string,
    readonly token: string,
  ) {}

  async call<Body = Loose>(method: string, path: string, options: CallOptions = {}): Promise<ApiAnswer<Body>> {
    const response = await this.fetch(method, path, options);
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON (e.g. Prometheus text): keep the text.
    }
    return { status: response.status, headers: response.headers, body: body as Body };
  }

  /** The raw response (for streams). */
  fetch(method: string, path: string, options: CallOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { ...options.headers };
    const token = options.token === undefined ? this.token : options.token;
    if (token !== null) headers.authorization ??= `Bearer ${token}`;
    let body: BodyInit | undefined = options.raw;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    return fetch(`${this.url}${path}`, { method, headers, body, signal: options.signal });
  }

  get = <Body = Loose>(path: string, options?: CallOptions) => this.call<Body>('GET', path, options);
  post = <Body = Loose>(path: string, body?: unknown, options?: CallOptions) =>
    this.call<Body>('POST', path, { ...options, body: body ?? {} });

  /** Creates a session and returns it. */
  async createSession(body: Record<string, unknown> = {}): Promise<Loose> {
    const answer = await this.post('/v1/sessions', body);
    if (answer.status !== 201 && answer.status !== 200)
      throw new Error(`create failed: ${JSON.stringify(answer.body)}`);
    return answer.body.session;
  }

  /** Runs a JSON turn and returns `turn`. */
  async turn(sessionId: string, input: string, headers: Record<string, string> = {}): Promise<Loose> {
    const answer = await this.post(`/v1/sessions/${sessionId}/turns`, { input }, { headers });
    if (answer.status !== 200) throw new Error(`turn failed: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body.turn;
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a truthy value or `timeoutMs` passes. */
export async function eventually<T>(
  check: () => Promise<T> | T,
  timeoutMs = 5000,
): Promise<Exclude<T, null | undefined | false>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as Exclude<T, null | undefined | false>;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}
