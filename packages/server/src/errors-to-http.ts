import { ConfabError, type ErrorCode } from 'confab';
import type { ErrorResponse } from 'confab/wire';

/** The HTTP status of every error code (docs/errors.md); the one place codes meet statuses. */
export const STATUS_OF_CODE: Readonly<Record<ErrorCode, number>> = Object.freeze({
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
});

/** An error as the edge answers it: status, body and the headers some codes carry. */
export interface HttpError {
  status: number;
  body: ErrorResponse;
  headers: Record<string, string>;
  /** The error as a ConfabError (unknown errors become `internal`), for logging. */
  error: ConfabError;
}

/**
 * Maps anything thrown to the wire: a ConfabError keeps its code and message; anything else is a
 * bug, answered 500 `internal` with a generic message so internals never leak (the log has them).
 */
export function toHttpError(thrown: unknown, requestId: string): HttpError {
  const error = ConfabError.from(thrown);
  const status = STATUS_OF_CODE[error.code] ?? 500;
  const message =
    error.code === 'internal' ? `internal error; see the server log for request ${requestId}` : error.message;
  const headers: Record<string, string> = {};
  if (error.code === 'rate_limited') {
    const retryAfter = Number(error.details?.retryAfterSeconds);
    headers['Retry-After'] = String(Number.isFinite(retryAfter) && retryAfter > 0 ? Math.ceil(retryAfter) : 1);
  }
  if (error.code === 'unavailable') headers['Retry-After'] = '1';
  if (error.code === 'unauthenticated') headers['WWW-Authenticate'] = 'Bearer realm="confab"';
  if (error.code === 'method_not_allowed' && Array.isArray(error.details?.allow)) {
    headers.Allow = (error.details.allow as string[]).join(', ');
  }
  return { status, body: { error: { code: error.code, message, requestId } }, headers, error };
}

/** A JSON error response for `thrown`, with the request id header. */
export function errorResponse(thrown: unknown, requestId: string): { response: Response; error: HttpError } {
  const mapped = toHttpError(thrown, requestId);
  const response = new Response(JSON.stringify(mapped.body), {
    status: mapped.status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'X-Request-Id': requestId, ...mapped.headers },
  });
  return { response, error: mapped };
}
