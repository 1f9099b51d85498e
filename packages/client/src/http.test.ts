import { describe, expect, it } from 'vitest';
import { APIError, RateLimitError, TransportError } from './errors.js';
import { HttpClient } from './http.js';
import { resolveRetryPolicy } from './retry.js';
import { errorResponse, fakeFetch, jsonResponse } from './test-support/fake-fetch.js';

const fastRetry = resolveRetryPolicy({ attempts: 3, initialDelayMs: 1, maxDelayMs: 2 });

function clientWith(fetchFunction: ReturnType<typeof fakeFetch>, retry = fastRetry) {
  return new HttpClient({ baseUrl: 'http://api.test/prefix/', token: 'secret', fetch: fetchFunction, retry });
}

describe('HttpClient', () => {
  it('sends the bearer token, JSON body and query, and keeps a base path', async () => {
    const fetchFunction = fakeFetch(() => jsonResponse({ ok: true }));
    const http = clientWith(fetchFunction);
    await http.json({
      method: 'POST',
      path: '/v1/x',
      query: { a: 1, b: undefined, c: null },
      json: { n: 1 },
      retrySafe: false,
    });
    const [request] = fetchFunction.requests;
    expect(request?.url.toString()).toBe('http://api.test/prefix/v1/x?a=1');
    expect(request?.headers.get('authorization')).toBe('Bearer secret');
    expect(request?.headers.get('content-type')).toBe('application/json');
    expect(request?.body).toBe('{"n":1}');
  });

  it('asks a token function for every request', async () => {
    let count = 0;
    const fetchFunction = fakeFetch(() => jsonResponse({}));
    const http = new HttpClient({
      baseUrl: 'http://api.test',
      token: async () => `t${++count}`,
      fetch: fetchFunction,
      retry: fastRetry,
    });
    await http.json({ method: 'GET', path: '/a', retrySafe: true });
    await http.json({ method: 'GET', path: '/b', retrySafe: true });
    expect(fetchFunction.requests.map((request) => request.headers.get('authorization'))).toEqual([
      'Bearer t1',
      'Bearer t2',
    ]);
  });

  it('retries a safe request on 503 and on network failure, then succeeds', async () => {
    let calls = 0;
    const fetchFunction = fakeFetch(() => {
      calls += 1;
      if (calls === 1) return errorResponse(503, 'unavailable');
      if (calls === 2) throw new TypeError('fetch failed');
      return jsonResponse({ done: true });
    });
    await expect(clientWith(fetchFunction).json({ method: 'GET', path: '/x', retrySafe: true })).resolves.toEqual({
      done: true,
    });
    expect(calls).toBe(3);
  });

  it('never retries an unsafe request, and never retries a 4xx', async () => {
    const failing = fakeFetch(() => {
      throw new TypeError('fetch failed');
    });
    await expect(clientWith(failing).json({ method: 'POST', path: '/x', retrySafe: false })).rejects.toBeInstanceOf(
      TransportError,
    );
    expect(failing.requests).toHaveLength(1);

    const notFound = fakeFetch(() => errorResponse(404, 'not_found'));
    await expect(clientWith(notFound).json({ method: 'GET', path: '/x', retrySafe: true })).rejects.toMatchObject({
      status: 404,
    });
    expect(notFound.requests).toHaveLength(1);
  });

  it('stops after the configured attempts with the last error', async () => {
    const fetchFunction = fakeFetch(() => errorResponse(500, 'internal'));
    const http = clientWith(fetchFunction, resolveRetryPolicy({ attempts: 4, initialDelayMs: 1, maxDelayMs: 1 }));
    await expect(http.json({ method: 'GET', path: '/x', retrySafe: true })).rejects.toBeInstanceOf(APIError);
    expect(fetchFunction.requests).toHaveLength(4);
  });

  it('does not wait for a Retry-After beyond the policy', async () => {
    const fetchFunction = fakeFetch(() => errorResponse(429, 'rate_limited', { 'Retry-After': '3600' }));
    const error = await clientWith(fetchFunction)
      .json({ method: 'GET', path: '/x', retrySafe: true })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfter).toBe(3600);
    expect(fetchFunction.requests).toHaveLength(1);
  });

  it('rejects with the abort reason, not a TransportError', async () => {
    const controller = new AbortController();
    const reason = new Error('user cancelled');
    const fetchFunction = fakeFetch(
      (request) =>
        new Promise((_resolve, reject) =>
          request.signal?.addEventListener('abort', () => reject(request.signal?.reason)),
        ),
    );
    const pending = clientWith(fetchFunction).json({
      method: 'GET',
      path: '/x',
      retrySafe: true,
      signal: controller.signal,
    });
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });

  it('retries when a safe answer breaks off while being read', async () => {
    let calls = 0;
    const fetchFunction = fakeFetch(() => {
      calls += 1;
      if (calls > 1) return jsonResponse({ ok: 1 });
      const body = new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"ok"'));
          controller.error(new TypeError('terminated'));
        },
      });
      return new Response(body, { status: 200 });
    });
    await expect(clientWith(fetchFunction).json({ method: 'GET', path: '/x', retrySafe: true })).resolves.toEqual({
      ok: 1,
    });
  });
});
