import type { ConfabError } from 'confab';
import { type StatementCache, toConfabError } from './connection.js';
import type { GroupCommitStats } from './group-commit-stats.js';

interface QueuedWrite {
  task: () => unknown;
  afterCommit: ((value: unknown) => void) | undefined;
  resolve: (value: unknown) => void;
  reject: (error: ConfabError) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: ConfabError };

/** Caps one transaction so a flood of writers still sees commits at a steady pace. */
const MAX_WRITES_PER_COMMIT = 1000;

/**
 * The single write path of a store: group commit.
 *
 * Writes are queued and run together on the next `setImmediate`, all in ONE `BEGIN IMMEDIATE`
 * transaction (so one fsync covers every session that wrote in the same tick). Each write runs in
 * its own SAVEPOINT: one that throws (stale lease, closed session…) is rolled back alone and only
 * its own promise rejects. Every promise settles only after COMMIT returned, so nothing is
 * acknowledged before it is durable. Writes run in the order they were queued, which keeps calls
 * from one caller ordered.
 */
export class GroupCommitQueue {
  private readonly queued: QueuedWrite[] = [];
  private scheduled = false;
  private flushing = false;
  private readonly counters: GroupCommitStats = { commits: 0, writes: 0, failedWrites: 0, largestBatch: 0 };

  constructor(private readonly statements: StatementCache) {}

  /** A copy of the counters. */
  get stats(): GroupCommitStats {
    return { ...this.counters };
  }

  /**
   * Queues `task` (synchronous; runs inside the shared transaction) and resolves with its result
   * once committed. `afterCommit` runs right after the commit, before the promise settles.
   */
  enqueue<T>(task: () => T, afterCommit?: (value: T) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queued.push({
        task,
        afterCommit: afterCommit as ((value: unknown) => void) | undefined,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.flush();
        });
      }
    });
  }

  /** Runs every queued write now (synchronously). Used by the scheduler, migrate() and close(). */
  flush(): void {
    // A listener that writes while we settle a batch is picked up by the loop below.
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.queued.length > 0) this.commitBatch(this.queued.splice(0, MAX_WRITES_PER_COMMIT));
    } finally {
      this.flushing = false;
    }
  }

  private commitBatch(batch: QueuedWrite[]): void {
    const outcomes: Outcome[] = [];
    try {
      this.statements.run('BEGIN IMMEDIATE');
      for (const write of batch) outcomes.push(this.runInSavepoint(write));
      this.statements.run('COMMIT');
    } catch (error) {
      this.rollbackQuietly();
      const failure = toConfabError(error);
      this.counters.failedWrites += batch.length;
      for (const write of batch) write.reject(failure);
      return;
    }
    this.counters.commits++;
    this.counters.largestBatch = Math.max(this.counters.largestBatch, batch.length);
    for (const [index, write] of batch.entries()) this.settle(write, outcomes[index] as Outcome);
  }

  private runInSavepoint(write: QueuedWrite): Outcome {
    this.statements.run('SAVEPOINT write');
    try {
      const value = write.task();
      this.statements.run('RELEASE write');
      return { ok: true, value };
    } catch (error) {
      // Some failures (I/O, out of memory) make SQLite abandon the whole transaction: then every
      // write of the batch is lost, so the batch as a whole must fail.
      if (!this.statements.connection.inTransaction) throw error;
      this.statements.run('ROLLBACK TO write');
      this.statements.run('RELEASE write');
      return { ok: false, error: toConfabError(error) };
    }
  }

  private settle(write: QueuedWrite, outcome: Outcome): void {
    if (!outcome.ok) {
      this.counters.failedWrites++;
      write.reject(outcome.error);
      return;
    }
    this.counters.writes++;
    try {
      write.afterCommit?.(outcome.value);
    } catch (error) {
      // The write is durable: a misbehaving listener must not turn it into a reported failure.
      process.emitWarning(`an afterCommit listener threw: ${String(error)}`);
    }
    write.resolve(outcome.value);
  }

  private rollbackQuietly(): void {
    if (!this.statements.connection.inTransaction) return;
    try {
      this.statements.run('ROLLBACK');
    } catch {
      // The connection is unusable; the caller reports the original error.
    }
  }
}
