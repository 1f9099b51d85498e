import type { ResolvedOptions } from './options.js';

/**
 * The two clocks of the store. Record timestamps (`createdAt`, an event's `at`…) come from `now`.
 * Lease expiry is decided by one clock for every process: the database server's, unless the
 * caller supplied its own clock (then that one, so a frozen test clock freezes leases too).
 */
export interface StoreClock {
  /** The time for record timestamps. */
  now(): Date;
  /**
   * The parameter for {@link leaseNowSql}: the caller's clock as ISO-8601, or null to use the
   * database's clock.
   */
  leaseParameter(): string | null;
}

/** The clocks described by `options`. */
export function storeClock(options: ResolvedOptions): StoreClock {
  const clock = options.clock;
  return {
    now: options.now,
    leaseParameter: () => (clock ? clock().toISOString() : null),
  };
}

/**
 * SQL for "now" in lease decisions, given the placeholder holding `leaseParameter()`.
 * `clock_timestamp()` rather than `now()`: the latter is the transaction's start, which may be
 * long before a row lock was granted.
 */
export function leaseNowSql(placeholder: string): string {
  return `coalesce(${placeholder}::timestamptz, clock_timestamp())`;
}
