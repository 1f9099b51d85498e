import { ConfabError } from 'confab';

/**
 * The server's protective limits. Every field has a default (see {@link DEFAULT_LIMITS}). The
 * `…PerApp` fields are each app's fair share: an app over it gets 429 `rate_limited` with
 * `Retry-After` while other apps are still served; the server-wide caps (503) are the last resort.
 */
export interface ServerLimits {
  /** Largest JSON request body in bytes; more → 413 `payload_too_large`. */
  maxBodyBytes: number;
  /** Longest input text of a turn or queued input, in UTF-16 code units; more → 413. */
  maxInputChars: number;
  /** Largest uploaded file in bytes (`POST /v1/files`); more → 413. */
  maxFileBytes: number;
  /** Most bytes of files one turn or queued input may attach (their sizes summed); more → 413. At least `maxFileBytes`. */
  maxTurnFileBytes: number;
  /** Largest serialised `meta` a session may carry (on create and after a PATCH), in bytes; more → 413. */
  maxMetaBytes: number;
  /** Turn, resume and input requests an app may make per minute; more → 429 with `Retry-After`. 0: no limit. */
  turnsPerMinute: number;
  /** Turns that may run at once in this server (requested or batched from queued inputs); more → 503. */
  maxRunningTurns: number;
  /** Turns one app may run at once (batched ones included); a turn request over it → 429, a batched turn waits. */
  maxRunningTurnsPerApp: number;
  /** SSE streams that may be open at once in this server; more → 503. */
  maxOpenStreams: number;
  /** SSE streams one app may hold open at once; more → 429. */
  maxOpenStreamsPerApp: number;
  /** Inputs one app may have queued through this server and not yet taken by a turn; more → 429. */
  maxQueuedInputsPerApp: number;
  /** Sessions an app may create (create, fork, channel resolve and rotate) per minute; more → 429. 0: no limit. */
  sessionsPerMinute: number;
  /** Bytes an app may upload per minute (`POST /v1/files`); more → 429. 0: no limit, else at least `maxFileBytes`. */
  uploadBytesPerMinute: number;
  /**
   * Sessions an app may hold in the store (any status, until hard-deleted); a creation past it →
   * 429 `quota_exceeded`. Counted in the store, so one quota for every process sharing it. 0: no quota.
   */
  maxSessionsPerApp: number;
}

/** The defaults: generous for a single-machine deployment, small enough to protect it. */
export const DEFAULT_LIMITS: Readonly<ServerLimits> = Object.freeze({
  maxBodyBytes: 1024 * 1024,
  maxInputChars: 100_000,
  maxFileBytes: 20 * 1024 * 1024,
  maxTurnFileBytes: 64 * 1024 * 1024,
  maxMetaBytes: 64 * 1024,
  turnsPerMinute: 600,
  maxRunningTurns: 64,
  maxRunningTurnsPerApp: 16,
  maxOpenStreams: 1000,
  maxOpenStreamsPerApp: 250,
  maxQueuedInputsPerApp: 1000,
  sessionsPerMinute: 300,
  uploadBytesPerMinute: 256 * 1024 * 1024,
  maxSessionsPerApp: 100_000,
});

/** Limits where 0 means "no limit". */
const ZERO_MEANS_NONE = new Set<keyof ServerLimits>([
  'turnsPerMinute',
  'sessionsPerMinute',
  'uploadBytesPerMinute',
  'maxSessionsPerApp',
]);

/** Merges caller limits over the defaults, refusing values that would make the server unusable. */
export function resolveLimits(limits: Partial<ServerLimits> = {}): ServerLimits {
  const resolved = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(limits) as Array<[keyof ServerLimits, number | undefined]>) {
    if (value === undefined) continue;
    if (!(key in DEFAULT_LIMITS)) throw new RangeError(`limits.${key} is not a limit`);
    const minimum = ZERO_MEANS_NONE.has(key) ? 0 : 1;
    if (!Number.isInteger(value) || value < minimum) {
      throw new RangeError(`limits.${key} must be an integer ≥ ${minimum}, got ${value}`);
    }
    resolved[key] = value;
  }
  if (resolved.maxTurnFileBytes < resolved.maxFileBytes) {
    throw new RangeError('limits.maxTurnFileBytes must be at least limits.maxFileBytes');
  }
  if (resolved.uploadBytesPerMinute !== 0 && resolved.uploadBytesPerMinute < resolved.maxFileBytes) {
    throw new RangeError('limits.uploadBytesPerMinute must be 0 or at least limits.maxFileBytes');
  }
  return resolved;
}

/**
 * Per-app budget: a token bucket holding `perMinute` tokens, refilled continuously, so a burst up
 * to the budget passes and the sustained rate is `perMinute`. Memory is one entry per app.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; updatedAt: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
    /** What a token is, for the error message (plural). */
    private readonly unit = 'turns',
  ) {}

  /**
   * Takes `cost` tokens (default 1) for `appId`, or throws `rate_limited` whose
   * `details.retryAfterSeconds` says when they will be available. Nothing is taken on a refusal.
   */
  take(appId: string, cost = 1): void {
    this.check(appId, cost);
    this.charge(appId, cost);
  }

  /** Throws like {@link take} when `cost` tokens are not available, but takes nothing. */
  check(appId: string, cost = 1): void {
    if (this.perMinute <= 0) return;
    const bucket = this.refill(appId);
    if (bucket.tokens >= cost) return;
    const refillPerMs = this.perMinute / 60_000;
    const retryAfterSeconds = Math.max(1, Math.ceil((cost - bucket.tokens) / refillPerMs / 1000));
    throw new ConfabError(
      'rate_limited',
      `app ${appId} is over its limit of ${this.perMinute} ${this.unit} per minute`,
      { details: { retryAfterSeconds } },
    );
  }

  /** Takes `cost` tokens without refusing (for work already done, e.g. a session a resolve created). */
  charge(appId: string, cost = 1): void {
    if (this.perMinute <= 0) return;
    const bucket = this.refill(appId);
    bucket.tokens = Math.max(0, bucket.tokens - cost);
  }

  private refill(appId: string): { tokens: number; updatedAt: number } {
    const now = this.now();
    const bucket = this.buckets.get(appId) ?? { tokens: this.perMinute, updatedAt: now };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.updatedAt) * (this.perMinute / 60_000));
    bucket.updatedAt = now;
    this.buckets.set(appId, bucket);
    return bucket;
  }
}

/**
 * Slots of a bounded resource shared by apps (running turns, open streams): at most `capacity` in
 * the server and `perApp` for any one app. An app at its share is refused with 429 `rate_limited`
 * (others go on); a full server with 503 `unavailable`. {@link SharedGate.waitFor} queues instead
 * (first come, first served), for work that has no caller to refuse.
 */
export class SharedGate {
  private used = 0;
  private closed = false;
  private readonly usedByApp = new Map<string, number>();
  private readonly waiters: Array<{
    appId: string;
    grant: (release: () => void) => void;
    fail: (error: unknown) => void;
  }> = [];

  constructor(
    private readonly capacity: number,
    private readonly perApp: number,
    private readonly what: string,
    private readonly onChange: () => void = () => undefined,
  ) {}

  /** Takes a slot for `appId` or throws (429 over the app's share, 503 when the server is full). */
  acquire(appId: string): () => void {
    if (this.appUse(appId) >= this.perApp) {
      throw new ConfabError(
        'rate_limited',
        `app ${appId} is at its limit of ${this.perApp} ${this.what}; retry when one ends`,
        { details: { retryAfterSeconds: 1 } },
      );
    }
    if (this.used >= this.capacity) {
      throw new ConfabError('unavailable', `the server is at its limit of ${this.capacity} ${this.what}; retry later`);
    }
    return this.take(appId);
  }

  /** Waits for a slot for `appId` (behind earlier waiters of any app that fit); rejects on {@link close}. */
  waitFor(appId: string): Promise<() => void> {
    if (this.closed) return Promise.reject(new ConfabError('unavailable', 'the server is shutting down'));
    if (this.fits(appId) && !this.waiters.some((waiter) => waiter.appId === appId)) {
      return Promise.resolve(this.take(appId));
    }
    return new Promise((grant, fail) => this.waiters.push({ appId, grant, fail }));
  }

  /** Refuses every waiter with `unavailable` (a shutdown). */
  close(): void {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) {
      waiter.fail(new ConfabError('unavailable', 'the server is shutting down'));
    }
  }

  /** Slots in use in the server. */
  get inUse(): number {
    return this.used;
  }

  /** Slots `appId` uses. */
  appUse(appId: string): number {
    return this.usedByApp.get(appId) ?? 0;
  }

  private fits(appId: string): boolean {
    return this.used < this.capacity && this.appUse(appId) < this.perApp;
  }

  private take(appId: string): () => void {
    this.used += 1;
    this.usedByApp.set(appId, this.appUse(appId) + 1);
    this.onChange();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used -= 1;
      const left = this.appUse(appId) - 1;
      if (left > 0) this.usedByApp.set(appId, left);
      else this.usedByApp.delete(appId);
      this.grantWaiters();
      this.onChange();
    };
  }

  private grantWaiters(): void {
    for (let index = 0; index < this.waiters.length && this.used < this.capacity; ) {
      const waiter = this.waiters[index]!;
      if (!this.fits(waiter.appId)) {
        index++;
        continue;
      }
      this.waiters.splice(index, 1);
      waiter.grant(this.take(waiter.appId));
    }
  }
}
