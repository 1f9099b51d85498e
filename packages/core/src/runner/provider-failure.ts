import type { ErrorCode } from '../errors.js';

/** A provider failure, classified for the turn's `error` event, the lifecycle and the logs. */
export interface ProviderFailure {
  /**
   * `rate_limited` (429), `unauthenticated` (401/403: a missing or bad key), `invalid_argument`
   * (another 4xx: a bad request or an unknown model), `unavailable` (5xx, unreachable, a dropped
   * connection, anything else).
   */
  code: Extract<ErrorCode, 'rate_limited' | 'unauthenticated' | 'invalid_argument' | 'unavailable'>;
  /** The provider's HTTP status, or null when none was received. */
  status: number | null;
  /** Worth another attempt: 408, 409, 429, 5xx and network failures. */
  retryable: boolean;
  /** What the provider asked to wait (`retry-after-ms` or `retry-after`), or null. */
  retryAfterMs: number | null;
  message: string;
}

/** How failed model calls are retried (only failures before any output of a step). */
export interface ProviderRetrySettings {
  /** Attempts after the first. Default 3. */
  maxRetries: number;
  /** The first backoff; each next one doubles. Default 1 000 ms. */
  initialDelayMs: number;
  /** The longest backoff, and the longest `retry-after` honoured (a longer one ends the step). Default 30 000 ms. */
  maxDelayMs: number;
}

/** The defaults of {@link ProviderRetrySettings}. */
export const DEFAULT_PROVIDER_RETRY: Readonly<ProviderRetrySettings> = {
  maxRetries: 3,
  initialDelayMs: 1_000,
  maxDelayMs: 30_000,
};

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

interface ErrorLike {
  message?: unknown;
  statusCode?: unknown;
  status?: unknown;
  isRetryable?: unknown;
  responseHeaders?: unknown;
  code?: unknown;
  cause?: unknown;
  name?: unknown;
}

/**
 * Classifies what a provider threw or streamed as an error. Reads AI SDK `APICallError`s by shape
 * (`statusCode`, `responseHeaders`, `isRetryable`), since providers of AI SDK 6 and 7 carry copies
 * of different majors; network failures are recognised by their error codes along the cause chain.
 */
export function classifyProviderError(error: unknown): ProviderFailure {
  const found = error as ErrorLike | null | undefined;
  const message = messageOf(error);
  const rawStatus = found?.statusCode ?? found?.status;
  const status = typeof rawStatus === 'number' && rawStatus >= 100 && rawStatus < 600 ? rawStatus : null;
  const retryAfterMs = retryAfterOf(found?.responseHeaders);
  if (status !== null) {
    if (status === 429) return { code: 'rate_limited', status, retryable: true, retryAfterMs, message };
    if (status === 401 || status === 403)
      return { code: 'unauthenticated', status, retryable: false, retryAfterMs, message };
    if (status === 408 || status === 409 || status >= 500) {
      return { code: 'unavailable', status, retryable: true, retryAfterMs, message };
    }
    if (status >= 400) return { code: 'invalid_argument', status, retryable: false, retryAfterMs, message };
  }
  const retryable = isNetworkFailure(error) || found?.isRetryable === true;
  return { code: 'unavailable', status, retryable, retryAfterMs, message };
}

/**
 * The wait before attempt `retry` (0 for the first retry), or null when the failure is not retried:
 * not retryable, out of retries, a `retry-after` beyond `maxDelayMs`, or a wait that would end past
 * `deadline` (epoch ms).
 */
export function retryDelayMs(
  failure: ProviderFailure,
  retry: number,
  settings: ProviderRetrySettings,
  deadline: number | undefined,
  now = Date.now(),
): number | null {
  if (!failure.retryable || retry >= settings.maxRetries) return null;
  const backoff = Math.min(settings.maxDelayMs, settings.initialDelayMs * 2 ** retry);
  const delay = failure.retryAfterMs ?? backoff;
  if (delay > settings.maxDelayMs) return null;
  if (deadline !== undefined && now + delay >= deadline) return null;
  return delay;
}

/** `retry-after-ms` (OpenAI) or `retry-after` (seconds or an HTTP date), in milliseconds. */
export function retryAfterOf(headers: unknown, now = Date.now()): number | null {
  if (typeof headers !== 'object' || headers === null) return null;
  const read = (name: string): string | undefined => {
    for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
      if (key.toLowerCase() === name && typeof value === 'string') return value.trim();
    }
    return undefined;
  };
  const milliseconds = Number(read('retry-after-ms'));
  if (read('retry-after-ms') !== undefined && Number.isFinite(milliseconds) && milliseconds >= 0) {
    return Math.round(milliseconds);
  }
  const value = read('retry-after');
  if (value === undefined || value === '') return null;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

function isNetworkFailure(error: unknown): boolean {
  let current = error as ErrorLike | null | undefined;
  for (let depth = 0; current && depth < 5; depth++) {
    if (typeof current.code === 'string' && (NETWORK_CODES.has(current.code) || current.code.startsWith('UND_ERR'))) {
      return true;
    }
    // undici: a refused or reset connection is `TypeError: fetch failed`, a body cut short `terminated`.
    if (current.name === 'TypeError' && (current.message === 'fetch failed' || current.message === 'terminated')) {
      return true;
    }
    current = current.cause as ErrorLike | null | undefined;
  }
  return false;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && typeof (error as ErrorLike).message === 'string') {
    return (error as { message: string }).message;
  }
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}
