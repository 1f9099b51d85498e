/**
 * How a peer scenario samples: `rounds` passes over all systems, each doing `warmup` untimed
 * operations then `samples` timed ones. Systems take turns within a round, so a slow spell of the
 * machine (another process's fsyncs, a GC) lands on all of them rather than on one.
 */
export interface SamplingPlan {
  rounds: number;
  warmup: number;
  samples: number;
}

/** `items` starting at `round` (mod length), so no system always goes first. */
export function rotated<T>(items: readonly T[], round: number): T[] {
  const start = round % Math.max(1, items.length);
  return [...items.slice(start), ...items.slice(0, start)];
}
