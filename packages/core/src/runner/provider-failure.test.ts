import { describe, expect, it } from 'vitest';
import { classifyProviderError, DEFAULT_PROVIDER_RETRY, retryAfterOf, retryDelayMs } from './provider-failure.js';

/** An error shaped like the AI SDK's APICallError. */
const apiError = (statusCode: number, responseHeaders: Record<string, string> = {}) =>
  Object.assign(new Error(`status ${statusCode}`), { statusCode, responseHeaders, isRetryable: statusCode >= 500 });

describe('classifyProviderError', () => {
  it('classifies by status: 429, bad key, bad request, server errors', () => {
    expect(classifyProviderError(apiError(429, { 'retry-after': '2' }))).toMatchObject({
      code: 'rate_limited',
      status: 429,
      retryable: true,
      retryAfterMs: 2000,
    });
    expect(classifyProviderError(apiError(401))).toMatchObject({ code: 'unauthenticated', retryable: false });
    expect(classifyProviderError(apiError(403))).toMatchObject({ code: 'unauthenticated', retryable: false });
    expect(classifyProviderError(apiError(400))).toMatchObject({ code: 'invalid_argument', retryable: false });
    expect(classifyProviderError(apiError(404))).toMatchObject({ code: 'invalid_argument', retryable: false });
    expect(classifyProviderError(apiError(500))).toMatchObject({ code: 'unavailable', retryable: true });
    expect(classifyProviderError(apiError(503))).toMatchObject({ code: 'unavailable', status: 503 });
  });

  it('retries network failures and nothing unknown', () => {
    const reset = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }),
    });
    expect(classifyProviderError(reset)).toMatchObject({ code: 'unavailable', status: null, retryable: true });
    const wrapped = Object.assign(new Error('Cannot connect to API'), { cause: reset });
    expect(classifyProviderError(wrapped).retryable).toBe(true);
    expect(classifyProviderError(new Error('bad json'))).toMatchObject({ code: 'unavailable', retryable: false });
    expect(classifyProviderError({ message: 'stream error' }).message).toBe('stream error');
  });
});

describe('retry delays', () => {
  const settings = { maxRetries: 3, initialDelayMs: 100, maxDelayMs: 1000 };
  const failure = classifyProviderError(apiError(500));

  it('double from the initial delay, up to the retry limit', () => {
    expect([0, 1, 2, 3].map((retry) => retryDelayMs(failure, retry, settings, undefined))).toEqual([
      100,
      200,
      400,
      null,
    ]);
    expect(DEFAULT_PROVIDER_RETRY.maxRetries).toBeGreaterThan(0);
  });

  it('honour retry-after, refuse one beyond the longest delay, and never wait past the deadline', () => {
    const limited = classifyProviderError(apiError(429, { 'retry-after-ms': '250' }));
    expect(retryDelayMs(limited, 0, settings, undefined)).toBe(250);
    expect(
      retryDelayMs(classifyProviderError(apiError(429, { 'retry-after': '60' })), 0, settings, undefined),
    ).toBeNull();
    expect(retryDelayMs(limited, 0, settings, 1_000, 900)).toBeNull();
    expect(retryDelayMs(limited, 0, settings, 2_000, 900)).toBe(250);
    expect(retryDelayMs(classifyProviderError(apiError(401)), 0, settings, undefined)).toBeNull();
  });

  it('read retry-after as seconds or an HTTP date', () => {
    expect(retryAfterOf({ 'Retry-After': '3' })).toBe(3000);
    expect(retryAfterOf({ 'retry-after': new Date(10_000).toUTCString() }, 4_000)).toBe(6000);
    expect(retryAfterOf({ 'retry-after': 'soon' })).toBeNull();
    expect(retryAfterOf(undefined)).toBeNull();
  });
});
