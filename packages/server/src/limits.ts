import { ConfabError } from 'confab';

/** The server's protective limits. Every field has a default (see {@link DEFAULT_LIMITS}). */
export interface ServerLimits {
  /** Largest JSON request body in bytes; more → 413 `payload_too_large`. */
  maxBodyBytes: number;
  /** Longest input text of a turn or queued input, in UTF-16 code units; more → 413. */
  maxInputChars: number;
  /** Largest uploaded file in bytes (`POST /v1/files`); more → 413. */
  maxFileBytes: number;
  /** Largest serialised `meta` a PATCH may leave on a session, in bytes; more → 413. */
  maxMetaBytes: number;
  /** Turn, resume and input requests an app may make per minute; more → 429 with `Retry-After`. 0: no limit. */
  turnsPerMinute: number;
  /** Turns (and resumes) requested over HTTP that may run at once in this server; more → 503. */
  maxRunningTurns: number;
  /** SSE streams that may be open at once in this server; more → 503. */
  maxOpenStreams: number;
}

/** The defaults: generous for a single-machine deployment, small enough to protect it. */
export const DEFAULT_LIMITS: Readonly<ServerLimits> = Object.freeze({
  maxBodyBytes: 1024 * 1024,
  maxInputChars: 100_000,
  maxFileBytes: 20 * 1024 * 1024,
  maxMetaBytes: 64 * 1024,
  turnsPerMinute: 600,
  maxRunningTurns: 64,
  maxOpenStreams: 1000,
});

/** Merges caller limits over the defaults, refusing values that would make the server unusable. */
export function resolveLimits(limits: Partial<ServerLimits> = {}): ServerLimits {
  const resolved = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(limits) as Array<[keyof ServerLimits, number | undefined]>) {
    if (value === undefined) continue;
    const minimum = key === 'turnsPerMinute' ? 0 : 1;
    if (!Number.isInteger(value) || value < minimum) {
      throw new RangeError(`limits.${key} must be an integer ≥ ${minimum}, got ${value}`);
    }
    resolved[key] = value;
  }
  return resolved;
}

/**
 * Per-app request budget: a token bucket holding `perMinute` tokens, refilled continuously, so a
 * burst up to the budget passes and the sustained rate is `perMinute`. Memory is one entry per app.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; updatedAt: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Takes one token for `appId`, or throws `rate_limited` whose `details.retryAfterSeconds` says
   * when one will be available.
   */
  take(appId: string): void {
    if (this.perMinute <= 0) return;
    const now = this.now();
    const refillPerMs = this.perMinute / 60_000;
    const bucket = this.buckets.get(appId) ?? { tokens: this.perMinute, updatedAt: now };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.updatedAt) * refillPerMs);
    bucket.updatedAt = now;
    this.buckets.set(appId, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return;
    }
    const retryAfterSeconds = Math.max(1, Math.ceil((1 - bucket.tokens) / refillPerMs / 1000));
    throw new ConfabError('rate_limited', `app ${appId} is over its limit of ${this.perMinute} turns per minute`, {
      details: { retryAfterSeconds },
    });
  }
}

/** Counts slots of a bounded resource (running turns, open streams); full → `unavailable`. */
export class Gate {
  private used = 0;

  constructor(
    private readonly capacity: number,
    private readonly what: string,
  ) {}

  /** Takes a slot or throws `unavailable`; the returned function gives it back (idempotent). */
  acquire(): () => void {
    if (this.used >= this.capacity) {
      throw new ConfabError('unavailable', `the server is at its limit of ${this.capacity} ${this.what}; retry later`);
    }
    this.used += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used -= 1;
    };
  }

  /** Slots in use. */
  get inUse(): number {
    return this.used;
  }
}
