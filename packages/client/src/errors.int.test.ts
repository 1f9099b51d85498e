import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfabClient } from './client.js';
import {
  APIError,
  AuthError,
  ConflictError,
  NotFoundError,
  RateLimitError,
  SessionClosedError,
  TransportError,
} from './errors.js';
import { ConfabClient as Client } from './index.js';
import { eventually, startServer, type TestServer } from './test-support/server.js';

describe('client against the real server: errors and retries', () => {
  let server: TestServer;
  let client: ConfabClient;

  beforeAll(async () => {
    server = await startServer({ pool: { turnWaitMs: 300 } });
    client = server.client();
  });
  afterAll(() => server.close());

  it('AuthError for a token the server does not know (401)', async () => {
    const stranger = server.client({ token: 'not-a-token' });
    const error = await stranger.sessions.list().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({ status: 401, code: 'unauthenticated' });
    expect((error as AuthError).requestId).toBeTruthy();
  });

  it("NotFoundError for an unknown id and for another app's session (404)", async () => {
    await expect(client.sessions.get('ses_missing')).rejects.toBeInstanceOf(NotFoundError);
    const theirs = await server.client({ app: 'b' }).sessions.create();
    const error = await client
      .session(theirs.id)
      .turn('hi')
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('ConflictError for a second active session on a channel, and for a turn that waited too long (409)', async () => {
    await client.sessions.create({ channel: 'busy' });
    await expect(client.sessions.create({ channel: 'busy' })).rejects.toMatchObject({ status: 409, code: 'conflict' });

    const session = await client.sessions.create();
    const long = session.turn('/sleep 1000 long');
    await eventually(async () => (await session.get()).turnCount === 1);
    // Another client's handle: the per-handle queue does not hold it back, the server does.
    const error = await server
      .client()
      .session(session.id)
      .turn('impatient')
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toMatchObject({ status: 409, code: 'turn_in_progress' });
    await long;
  });

  it('SessionClosedError for a turn on a closed session (410)', async () => {
    const session = await client.sessions.create();
    await session.close();
    const error = await session.turn('too late').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SessionClosedError);
    expect(error).toMatchObject({ status: 410, code: 'session_closed' });
    const streamed = await session.stream('too late').result.catch((caught: unknown) => caught);
    expect(streamed).toBeInstanceOf(SessionClosedError);
  });

  it('RateLimitError with retryAfter when an app goes over its budget (429)', async () => {
    const strict = await startServer({ app: { limits: { turnsPerMinute: 3 } } });
    try {
      const limited = strict.client({ retry: false });
      const session = await limited.sessions.create();
      let error: unknown;
      for (let index = 0; index < 10 && !error; index++) {
        error = await session.send(`n${index}`).then(
          () => undefined,
          (caught: unknown) => caught,
        );
      }
      expect(error).toBeInstanceOf(RateLimitError);
      expect(error).toMatchObject({ status: 429, code: 'rate_limited' });
      expect((error as RateLimitError).retryAfter).toBeGreaterThanOrEqual(1);
    } finally {
      await strict.close();
    }
  });

  it('APIError with the code for other statuses (400, 412)', async () => {
    const badTool = await client.sessions
      .create({ tools: [{ name: 'no spaces allowed', inputSchema: {} }] })
      .catch((caught: unknown) => caught);
    expect(badTool).toBeInstanceOf(APIError);
    expect(badTool).toMatchObject({ status: 400, code: 'invalid_argument' });
    const session = await client.sessions.create();
    await expect(session.resume({ toolResults: [{ toolCallId: 'call_x', output: 1 }] })).rejects.toMatchObject({
      status: 412,
      code: 'failed_precondition',
    });
  });

  it('TransportError when nothing answers', async () => {
    const nowhere = new Client({ baseUrl: 'http://127.0.0.1:9', token: 't', retry: false });
    const error = await nowhere.sessions.list().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).cause).toBeDefined();
  });

  it('close() twice makes one request; a close after a failed one works', async () => {
    let deletes = 0;
    let failNext = true;
    const flaky = server.client({
      retry: false,
      fetch: (url, init) => {
        if (init.method === 'DELETE') {
          deletes += 1;
          if (failNext) {
            failNext = false;
            return Promise.reject(new TypeError('fetch failed'));
          }
        }
        return fetch(url, init);
      },
    });
    const session = await flaky.sessions.create();
    await expect(session.close()).rejects.toBeInstanceOf(TransportError);
    expect(await session.close()).toEqual({ ok: true, alreadyClosed: false });
    expect(await session.close()).toEqual({ ok: true, alreadyClosed: false });
    await Promise.all([session.close(), session.close()]);
    expect(deletes).toBe(2);
    expect((await session.get()).status).toBe('closed');
  });

  it('retries a turn after a lost answer with the same Idempotency-Key: the turn runs once', async () => {
    let turnPosts = 0;
    const keys: string[] = [];
    const lossy = server.client({
      fetch: async (url, init) => {
        const response = await fetch(url, init);
        if (init.method === 'POST' && url.endsWith('/turns')) {
          turnPosts += 1;
          keys.push(new Headers(init.headers).get('idempotency-key') ?? '');
          // The server ran the turn, but its answer never reaches the client.
          if (turnPosts === 1) throw new TypeError('connection reset');
        }
        return response;
      },
    });
    const session = await lossy.sessions.create();
    const result = await session.turn('only once');
    expect(result.text()).toBe('echo: only once');
    expect(turnPosts).toBe(2);
    expect(keys[1]).toBe(keys[0]);
    const info = await session.get();
    expect(info.turnCount).toBe(1);
  });
});
