// Apart from the queue so that the public SqliteStoreStats type names nothing of the driver: the
// published .d.ts of the store then loads no better-sqlite3 types.

/** Counters of the write path, for tests and metrics. */
export interface GroupCommitStats {
  /** Transactions committed (each one fsync with `synchronous = FULL`). */
  commits: number;
  /** Write operations that committed. */
  writes: number;
  /** Write operations that failed and were rolled back alone. */
  failedWrites: number;
  /** The most writes that shared one commit. */
  largestBatch: number;
}
