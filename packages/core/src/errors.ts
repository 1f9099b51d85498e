/**
 * Every stable error code Confab produces. The list is the contract: codes are never renamed, and
 * `docs/errors.md` documents each one (a test fails when one is missing there).
 */
export const ERROR_CODES = [
  'invalid_argument',
  'unauthenticated',
  'not_found',
  'method_not_allowed',
  'conflict',
  'turn_in_progress',
  'session_closed',
  'failed_precondition',
  'payload_too_large',
  'rate_limited',
  'deadline_exceeded',
  'unavailable',
  'internal',
  'idempotency_mismatch',
  'quota_exceeded',
] as const;

/** A stable, documented error code. */
export type ErrorCode = (typeof ERROR_CODES)[number];

const MARKER = Symbol.for('confab.error');

/** Options accepted by {@link ConfabError}. */
export interface ConfabErrorOptions {
  /** The lower-level error that caused this one. */
  cause?: unknown;
  /** Structured, JSON-safe detail for callers (for example the field that failed validation). */
  details?: Record<string, unknown>;
}

/**
 * The one error class of Confab. `code` is stable and documented; `message` is for humans.
 * Use {@link ConfabError.isInstance} rather than `instanceof`, which fails across duplicated
 * package copies.
 */
export class ConfabError extends Error {
  readonly [MARKER] = true;
  override readonly name = 'ConfabError';
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: ConfabErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
  }

  /** True when `value` is a ConfabError, optionally with the given code. */
  static isInstance(value: unknown, code?: ErrorCode): value is ConfabError {
    if (typeof value !== 'object' || value === null || !(MARKER in value)) return false;
    return code === undefined || (value as ConfabError).code === code;
  }

  /** Wraps any thrown value: ConfabErrors pass through, anything else becomes `internal`. */
  static from(value: unknown): ConfabError {
    if (ConfabError.isInstance(value)) return value;
    const message = value instanceof Error ? value.message : String(value);
    return new ConfabError('internal', message, { cause: value });
  }
}

/** Shorthand constructors, so call sites read as the condition they report. */
export const errors = {
  invalidArgument: (message: string, options?: ConfabErrorOptions) =>
    new ConfabError('invalid_argument', message, options),
  notFound: (what: string, id: string) => new ConfabError('not_found', `${what} ${id} was not found`),
  conflict: (message: string, options?: ConfabErrorOptions) => new ConfabError('conflict', message, options),
  sessionClosed: (sessionId: string) => new ConfabError('session_closed', `session ${sessionId} is closed`),
  failedPrecondition: (message: string, options?: ConfabErrorOptions) =>
    new ConfabError('failed_precondition', message, options),
  unavailable: (message: string, options?: ConfabErrorOptions) => new ConfabError('unavailable', message, options),
};
