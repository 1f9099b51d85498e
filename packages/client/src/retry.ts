import { APIError, RateLimitError, TransportError } from './errors.js';

/** How the client retries safe requests and reconnects event streams. */
export interface RetryOptions {
  /**
   * Attempts per request, the first included (1 disables retries). Event streams use the same
   * number for consecutive reconnects that reach no live stream; any delivered event or heartbeat
   * resets the count. Default 3.
   */
  attempts?: number;
  /** Delay before the first retry; each further retry doubles it, with full jitter. Default 250 ms. */
  initialDelayMs?: number;
  /** Cap of one backoff delay. Default 8 000 ms. */
  maxDelayMs?: number;
  /** A `Retry-After` longer than this is not waited for: the error is thrown instead. Default 60 000 ms. */
  maxRetryAfterMs?: number;
}

/** {@link RetryOptions} with every default applied. */
export type RetryPolicy = Required<RetryOptions>;

/** Resolves the user's retry setting; `false` means one attempt and no reconnects. */
export function resolveRetryPolicy(options: RetryOptions | false | undefined): RetryPolicy {
  const policy: RetryPolicy = {
    attempts: 3,
    initialDelayMs: 250,
    maxDelayMs: 8_000,
    maxRetryAfterMs: 60_000,
    ...(options === false ? { attempts: 1 } : options),
  };
  if (!Number.isInteger(policy.attempts) || policy.attempts < 1) {
    throw new RangeError('retry.attempts must be a whole number ≥ 1');
  }
  return policy;
}

/**
 * Whether a failure may succeed when tried again: no answer at all, a rate limit, or the server
 * being briefly unable (500, 502, 503, 504). Client errors (4xx) would fail the same way again.
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof TransportError) return true;
  if (!(error instanceof APIError)) return false;
  return (
    error.status === 429 || error.status === 500 || error.status === 502 || error.status === 503 || error.status === 504
  );
}

/**
 * The wait before retry number `retry` (1-based), or null when the error asks for a longer wait
 * than the policy allows. A server's `Retry-After` is a floor: it knows when it can take more.
 */
export function retryDelayMs(policy: RetryPolicy, retry: number, error: unknown): number | null {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (retry - 1));
  // Full jitter: clients that failed together do not come back together.
  const backoff = Math.random() * ceiling;
  const retryAfterSeconds =
    error instanceof RateLimitError ? error.retryAfter : error instanceof APIError ? retryAfterOf(error) : null;
  if (retryAfterSeconds === null) return backoff;
  const requested = retryAfterSeconds * 1000;
  if (requested > policy.maxRetryAfterMs) return null;
  return Math.max(requested, backoff);
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function retryAfterOf(error: APIError): number | null {
  const header = error.headers?.get('retry-after');
  if (!header || !/^\d+(\.\d+)?$/.test(header.trim())) return null;
  return Number(header.trim());
}
