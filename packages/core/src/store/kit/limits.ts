import { errors } from '../../errors.js';

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

/** Resolves a caller's `after` position: a whole number ≥ 0, default 0; else `invalid_argument`. */
export function checkAfter(after: number | undefined): number {
  if (after === undefined) return 0;
  if (!Number.isInteger(after) || after < 0) throw errors.invalidArgument('after must be a whole number ≥ 0');
  return after;
}

const LIST_STATUSES: ReadonlySet<string> = new Set(['active', 'archived', 'closed', 'all']);

/** Resolves a `listSessions` status filter, default `all`; an unknown status is `invalid_argument`. */
export function checkStatusFilter<Status extends string>(status: Status | undefined): Status | 'all' {
  if (status === undefined) return 'all';
  if (!LIST_STATUSES.has(status))
    throw errors.invalidArgument(`status must be one of ${[...LIST_STATUSES].join(', ')}`);
  return status;
}
