/*
 * MemoryStore bounds its loops with plain JavaScript numbers; SQL `LIMIT` needs an integer (and
 * reads NULL as "no limit"; a bigint at most). These translate a caller's number so both stores pick the same rows.
 */

/** The `LIMIT` equivalent of MemoryStore's `while (taken < limit)`: rounded up, NaN and Infinity unbounded. */
export function loopLimit(limit: number): number | null {
  if (Number.isNaN(limit) || limit === Number.POSITIVE_INFINITY) return null;
  return Math.min(Number.MAX_SAFE_INTEGER, Math.max(0, Math.ceil(limit)));
}

/** The `LIMIT` equivalent of MemoryStore's `slice(0, Math.max(0, max))`: rounded down, NaN is 0. */
export function sliceLimit(max: number): number | null {
  if (Number.isNaN(max)) return 0;
  if (max === Number.POSITIVE_INFINITY) return null;
  return Math.min(Number.MAX_SAFE_INTEGER, Math.max(0, Math.trunc(max)));
}
