import { describe, expect, it } from 'vitest';
import {
  APIError,
  AuthError,
  ConfabClientError,
  ConflictError,
  errorFromAnswer,
  errorFromStreamFrame,
  NotFoundError,
  parseRetryAfter,
  RateLimitError,
  SessionClosedError,
  TransportError,
} from './errors.js';

const body = (code: string) => ({ error: { code, message: `${code}!`, requestId: 'req_1' } });

describe('errorFromAnswer', () => {
  it.each([
    [401, 'unauthenticated', AuthError],
    [403, 'unauthenticated', AuthError],
    [404, 'not_found', NotFoundError],
    [409, 'conflict', ConflictError],
    [409, 'turn_in_progress', ConflictError],
    [410, 'session_closed', SessionClosedError],
    [429, 'rate_limited', RateLimitError],
    [400, 'invalid_argument', APIError],
    [412, 'failed_precondition', APIError],
    [500, 'internal', APIError],
  ])('maps %i %s to its class with status, code, message and requestId', (status, code, errorClass) => {
    const error = errorFromAnswer(status, body(code));
    expect(error).toBeInstanceOf(errorClass);
    expect(error).toBeInstanceOf(APIError);
    expect(error).toBeInstanceOf(ConfabClientError);
    expect(error).toMatchObject({ status, code, message: `${code}!`, requestId: 'req_1' });
  });

  it('reads Retry-After seconds into RateLimitError.retryAfter', () => {
    const error = errorFromAnswer(429, body('rate_limited'), new Headers({ 'Retry-After': '7' }));
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfter).toBe(7);
    expect((errorFromAnswer(429, body('rate_limited')) as RateLimitError).retryAfter).toBeNull();
  });

  it('still gives an APIError for a body that is not the error shape', () => {
    const error = errorFromAnswer(502, '<html>bad gateway</html>', new Headers({ 'X-Request-Id': 'req_9' }));
    expect(error).toBeInstanceOf(APIError);
    expect(error).toMatchObject({ status: 502, code: 'internal', requestId: 'req_9' });
    expect(errorFromAnswer(404, null).code).toBe('not_found');
  });
});

describe('errorFromStreamFrame', () => {
  it('picks the class from the code, since the status line was long sent', () => {
    const error = errorFromStreamFrame(JSON.stringify(body('session_closed')));
    expect(error).toBeInstanceOf(SessionClosedError);
    expect(error.status).toBe(410);
    expect(errorFromStreamFrame('not json')).toMatchObject({ status: 500, code: 'internal' });
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3);
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter('soon')).toBeNull();
    const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();
    expect(parseRetryAfter(inTenSeconds)).toBeGreaterThan(8);
  });
});

describe('TransportError', () => {
  it('keeps its cause and is a client error, not an API error', () => {
    const cause = new TypeError('fetch failed');
    const error = new TransportError('no answer', { cause });
    expect(error.cause).toBe(cause);
    expect(error).toBeInstanceOf(ConfabClientError);
    expect(error).not.toBeInstanceOf(APIError);
  });
});
