import { errors } from '../errors.js';

/** Page sizes of the contract (DESIGN §6.1): a limit above the maximum is capped, not refused. */
export const PAGE_LIMITS = {
  events: { default: 100, max: 1000 },
  sessions: { default: 50, max: 200 },
} as const;

/** Resolves a caller's `limit` against a default and a cap; rejects non-positive or non-integer. */
export function clampLimit(limit: number | undefined, bounds: { default: number; max: number }): number {
  if (limit === undefined) return bounds.default;
  if (!Number.isInteger(limit) || limit < 1) throw errors.invalidArgument(`limit must be a positive integer`);
  return Math.min(limit, bounds.max);
}
