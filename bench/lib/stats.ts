/** Median and spread of a sample, in the sample's unit. */
export interface Summary {
  median: number;
  p10: number;
  p90: number;
  samples: number;
}

/** Summarises `values` (not mutated). */
export function summarize(values: number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (fraction: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN;
  return { median: at(0.5), p10: at(0.1), p90: at(0.9), samples: sorted.length };
}

/** Milliseconds since an arbitrary origin, with sub-millisecond resolution. */
export const nowMs = () => performance.now();
