import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CreateAppOptions, createApp, type RunningServer, serve } from '@confab/server';
import { SqliteStore } from '@confab/sqlite';
import { newId, newSecret, Pool, type PoolOptions, sha256Hex } from 'confab';
import { ConfabClient, type ConfabClientOptions } from '../client.js';

/** The real server on a random port, over a SQLite file in a temp directory, with two apps. */
export interface TestServer {
  url: string;
  pool: Pool;
  running: RunningServer;
  tokens: { a: string; b: string };
  /** A client of app `a` (or `b`), with fast retries unless overridden. */
  client(options?: Partial<ConfabClientOptions> & { app?: 'a' | 'b' }): ConfabClient;
  close(): Promise<void>;
}

/** Options of {@link startServer}. */
export interface TestServerOptions {
  pool?: Omit<PoolOptions, 'store'>;
  app?: Omit<CreateAppOptions, 'store' | 'pool'>;
}

/** Starts a server for one test file. */
export async function startServer(options: TestServerOptions = {}): Promise<TestServer> {
  const directory = mkdtempSync(join(tmpdir(), 'confab-client-'));
  const store = new SqliteStore({ filename: join(directory, 'confab.db') });
  await store.migrate();
  const tokens = { a: await createToken(store, 'app-a'), b: await createToken(store, 'app-b') };
  const pool = new Pool({ store, ...options.pool });
  const app = createApp({ store, pool, logger: false, metrics: false, heartbeatMs: 500, ...options.app });
  const running = await serve({ app, port: 0 });
  const clients: ConfabClient[] = [];
  return {
    url: running.url,
    pool,
    running,
    tokens,
    client({ app: which = 'a', ...rest } = {}) {
      const client = new ConfabClient({
        baseUrl: running.url,
        token: tokens[which],
        retry: { attempts: 3, initialDelayMs: 10, maxDelayMs: 50 },
        ...rest,
      });
      clients.push(client);
      return client;
    },
    async close() {
      for (const client of clients) client.disconnect();
      await running.close({ deadlineMs: 2000 });
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

async function createToken(store: SqliteStore, appId: string): Promise<string> {
  await store.createApp({ id: appId, name: appId });
  const token = newSecret(32);
  await store.createToken({ id: newId('tok'), appId, tokenHash: await sha256Hex(token), label: 'test' });
  return token;
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 5000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * A fetch that cuts the body of the first matching response after `bytes` bytes (a network
 * error mid-stream), once; everything else passes through untouched.
 */
export function cuttingFetch(
  bytes: number,
  matches: (url: string, init: RequestInit) => boolean,
): { fetch: (input: string, init: RequestInit) => Promise<Response>; cuts: () => number } {
  const state = { cuts: 0 };
  const wrapped = async (input: string, init: RequestInit) => {
    const response = await fetch(input, init);
    if (state.cuts > 0 || !matches(input, init) || !response.body) return response;
    state.cuts += 1;
    const reader = response.body.getReader();
    let passed = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (passed >= bytes) return new Promise<void>(() => undefined);
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          return;
        }
        const room = bytes - passed;
        if (value.byteLength < room) {
          passed += value.byteLength;
          controller.enqueue(value);
          return;
        }
        if (room > 0) controller.enqueue(value.slice(0, room));
        passed = bytes;
        reader.cancel().catch(() => undefined);
        // Erroring now would drop the bytes just queued: the reader gets them, then the error.
        setTimeout(() => controller.error(new TypeError('terminated: connection cut by the test')), 20);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    });
    return new Response(body, { status: response.status, headers: response.headers });
  };
  return { fetch: wrapped, cuts: () => state.cuts };
}
