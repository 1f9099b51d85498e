import { ConfabError, errors } from 'confab';

/*
 * The one place where driver and server errors become the port's error codes. SQLSTATE classes:
 * https://www.postgresql.org/docs/current/errcodes-appendix.html
 */

interface DatabaseErrorLike {
  code: string;
  message: string;
}

/**
 * True for an error the server sent: a five-character SQLSTATE *and* the `severity` the protocol
 * always carries. The code alone is not enough: Node's socket errors (`EPIPE`) look the same.
 */
function isDatabaseError(error: unknown): error is DatabaseErrorLike {
  return (
    error instanceof Error &&
    typeof (error as Partial<DatabaseErrorLike>).code === 'string' &&
    /^[0-9A-Z]{5}$/.test((error as unknown as DatabaseErrorLike).code) &&
    typeof (error as { severity?: unknown }).severity === 'string'
  );
}

/** SQLSTATEs (exact or by prefix) meaning the server cannot serve us right now; a retry may work. */
const UNAVAILABLE_STATES = [
  '08', // connection exception
  '53', // insufficient resources (too many connections, disk full, out of memory)
  '57P', // admin shutdown, crash shutdown, cannot connect now, database dropped
  '58', // system error (I/O)
  '3D000', // the database does not exist
  '28', // authentication failed: a deployment problem, but not the caller's
  '40P01', // deadlock detected: the transaction was rolled back and may be retried
  '40001', // serialization failure: likewise
  '55P03', // lock not available
];

/** Node socket errors that mean the server is unreachable. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
]);

/** Messages of errors node-postgres raises itself when a connection is gone or the pool is closed. */
const DRIVER_UNAVAILABLE = [
  /connection terminated/i,
  /not queryable/i,
  /after calling end on the pool/i,
  /timeout exceeded when trying to connect/i,
  /query read timeout/i,
  /connection error/i,
];

/**
 * True when `error` means the connection it happened on can no longer be trusted: the pool must
 * discard that connection instead of reusing it.
 */
export function isConnectionError(error: unknown): boolean {
  if (isDatabaseError(error)) return ['08', '57P'].some((state) => error.code.startsWith(state));
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  return DRIVER_UNAVAILABLE.some((pattern) => pattern.test(error.message));
}

/**
 * Maps anything thrown while talking to PostgreSQL onto the port's codes: unreachable or shutting
 * down servers, timeouts and lock failures → `unavailable`; uniqueness → `conflict`; bad values →
 * `invalid_argument`; a missing schema → `failed_precondition`. ConfabErrors pass through, and
 * anything else is `internal`.
 */
export function toConfabError(error: unknown): ConfabError {
  if (ConfabError.isInstance(error)) return error;
  if (isDatabaseError(error)) {
    const state = error.code;
    if (state === '57014') {
      return errors.unavailable(`the database did not answer in time: ${error.message}`, {
        cause: error,
        details: { reason: 'statement_timeout' },
      });
    }
    if (UNAVAILABLE_STATES.some((prefix) => state.startsWith(prefix))) {
      return errors.unavailable(`the PostgreSQL database is unavailable: ${error.message}`, { cause: error });
    }
    if (state === '23505' || state === '23503') {
      return errors.conflict(`a record with the same key exists: ${error.message}`, { cause: error });
    }
    if (state === '42P01' || state === '3F000') {
      return errors.failedPrecondition('the PostgreSQL schema is missing: call migrate() first', { cause: error });
    }
    if (state.startsWith('22') || state.startsWith('23')) {
      return errors.invalidArgument(`the database refused a value: ${error.message}`, { cause: error });
    }
  }
  if (isConnectionError(error)) {
    const message = error instanceof Error ? error.message : String(error);
    return errors.unavailable(`the PostgreSQL database is unavailable: ${message}`, { cause: error });
  }
  return ConfabError.from(error);
}
