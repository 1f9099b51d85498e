/**
 * The client's error classes. Every failure the SDK reports is a {@link ConfabClientError}: an
 * {@link APIError} (the server answered with an error) or a {@link TransportError} (no answer).
 * Abort signals are the exception: an aborted call rejects with the signal's own reason, as
 * `fetch` does, so callers can tell "I cancelled" from "it failed".
 */

/** The HTTP status each stable error code is answered with (DESIGN §6, docs/errors.md). */
const STATUS_OF_CODE: Readonly<Record<string, number>> = {
  invalid_argument: 400,
  unauthenticated: 401,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  turn_in_progress: 409,
  session_closed: 410,
  failed_precondition: 412,
  payload_too_large: 413,
  rate_limited: 429,
  deadline_exceeded: 504,
  unavailable: 503,
  internal: 500,
  idempotency_mismatch: 422,
  quota_exceeded: 429,
};

/** Base class of every error the client throws (except the reason of a caller's abort). */
export class ConfabClientError extends Error {
  override name = 'ConfabClientError';
}

/** Fields of an {@link APIError}. */
export interface APIErrorInit {
  status: number;
  code: string;
  message: string;
  requestId: string | null;
  /** The response headers, for callers that need more than the error body (e.g. `Allow`). */
  headers?: Headers;
}

/**
 * The server answered with an error `{ error: { code, message, requestId } }`. `code` is the
 * stable string to branch on; `status` the HTTP status (for an error reported inside an event
 * stream, the status its code is answered with elsewhere); `requestId` finds the server's log line.
 */
export class APIError extends ConfabClientError {
  override name = 'APIError';
  readonly status: number;
  readonly code: string;
  readonly requestId: string | null;
  readonly headers: Headers | undefined;

  constructor(init: APIErrorInit) {
    super(init.message);
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.headers = init.headers;
  }
}

/** 401 or 403: the token is missing, malformed, unknown or not allowed here. */
export class AuthError extends APIError {
  override name = 'AuthError';
}

/** 404: no such session, snapshot or route for this app (another app's ids are 404 too). */
export class NotFoundError extends APIError {
  override name = 'NotFoundError';
}

/** 409: `conflict`, or `turn_in_progress` when a turn waited too long for the one before it. */
export class ConflictError extends APIError {
  override name = 'ConflictError';
}

/** 410: the session is closed; closed sessions run no more turns. */
export class SessionClosedError extends APIError {
  override name = 'SessionClosedError';
}

/** 429: too many requests. `retryAfter` is the server's `Retry-After` in seconds, or null. */
export class RateLimitError extends APIError {
  override name = 'RateLimitError';
  readonly retryAfter: number | null;

  constructor(init: APIErrorInit & { retryAfter: number | null }) {
    super(init);
    this.retryAfter = init.retryAfter;
  }
}

/**
 * The request got no answer: the network failed, the connection dropped or the server could not
 * be reached. `cause` holds the underlying error. Whether the server acted on the request is
 * unknown, which is why only safe requests are retried automatically.
 */
export class TransportError extends ConfabClientError {
  override name = 'TransportError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Builds the error class that fits `status` from an error body (parsed or not). A body that is
 * not the contract's error shape still yields an {@link APIError}, with a code derived from the
 * status, so a proxy's HTML error page never surfaces as a JSON parse error.
 */
export function errorFromAnswer(status: number, body: unknown, headers?: Headers): APIError {
  const error = readErrorBody(body);
  const init: APIErrorInit = {
    status,
    code: error?.code ?? codeOfStatus(status),
    message: error?.message ?? `the server answered ${status}`,
    requestId: error?.requestId ?? headers?.get('x-request-id') ?? null,
    headers,
  };
  if (status === 401 || status === 403) return new AuthError(init);
  if (status === 404) return new NotFoundError(init);
  if (status === 409) return new ConflictError(init);
  if (status === 410) return new SessionClosedError(init);
  if (status === 429) return new RateLimitError({ ...init, retryAfter: parseRetryAfter(headers?.get('retry-after')) });
  return new APIError(init);
}

/** The error of an SSE `stream-error` frame: the status line was long sent, so the code picks the class. */
export function errorFromStreamFrame(data: string): APIError {
  let body: unknown = null;
  try {
    body = JSON.parse(data);
  } catch {
    // Malformed: reported as an internal error below.
  }
  const code = readErrorBody(body)?.code ?? 'internal';
  return errorFromAnswer(STATUS_OF_CODE[code] ?? 500, body);
}

/** Seconds from a `Retry-After` header (delta-seconds or an HTTP date); null when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, (date - Date.now()) / 1000);
}

function readErrorBody(body: unknown): { code?: string; message?: string; requestId?: string } | null {
  if (typeof body !== 'object' || body === null || !('error' in body)) return null;
  const error = (body as { error: unknown }).error;
  if (typeof error !== 'object' || error === null) return null;
  const { code, message, requestId } = error as Record<string, unknown>;
  return {
    code: typeof code === 'string' ? code : undefined,
    message: typeof message === 'string' ? message : undefined,
    requestId: typeof requestId === 'string' ? requestId : undefined,
  };
}

function codeOfStatus(status: number): string {
  for (const [code, codeStatus] of Object.entries(STATUS_OF_CODE)) {
    if (codeStatus === status) return code;
  }
  if (status === 403) return 'unauthenticated';
  return status >= 500 ? 'internal' : 'invalid_argument';
}
