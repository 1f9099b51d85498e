/** Default time a long loop may run before it lets the event loop take its turn. */
export const DEFAULT_YIELD_BUDGET_MS = 4;

/** Lets a long synchronous loop give way to timers and I/O; see {@link createYielder}. */
export interface Yielder {
  /** Resolves at once while the budget lasts; past it, after one macrotask (and the budget restarts). */
  maybeYield(): Promise<void> | undefined;
}

/**
 * A yielder for background work (a compaction's tokenizing, say) that shares the thread with
 * turns: the loop calls `await yielder.maybeYield()` per item and gives way every `budgetMs`, so
 * nothing else waits much longer than that behind it. Checking the clock only every 64 calls keeps
 * the cost per item negligible.
 */
export function createYielder(budgetMs = DEFAULT_YIELD_BUDGET_MS): Yielder {
  let sliceStart = performance.now();
  let calls = 0;
  return {
    maybeYield() {
      if (++calls % 64 !== 0 || performance.now() - sliceStart < budgetMs) return undefined;
      return nextMacrotask().then(() => {
        sliceStart = performance.now();
      });
    },
  };
}

/** One macrotask later: `setImmediate` where the runtime has it (Node), else a zero timeout. */
export function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof setImmediate === 'function') setImmediate(resolve);
    else setTimeout(resolve, 0);
  });
}
