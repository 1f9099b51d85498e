import { type StatementCache, toConfabError } from './connection.js';

/**
 * Runs reads that span several `await`s (the shared fork-chain helpers are async) inside one read
 * transaction on a dedicated connection, so they see one consistent snapshot of the file: a
 * fork parent deleted by another process halfway through cannot tear the result.
 *
 * The connection holds one transaction at a time, so these reads take turns; each is a handful of
 * synchronous statements separated by microtasks, so a turn is short. Without a separate
 * connection (in-memory databases) reads run directly: then only this process writes, and its
 * writes happen in their own macrotask, never between a read's microtasks.
 */
export class SnapshotReads {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly statements: StatementCache,
    private readonly isolated: boolean,
  ) {}

  /** Runs `read` with the snapshot connection's statements; errors come back as ConfabErrors. */
  run<T>(read: (statements: StatementCache) => Promise<T>): Promise<T> {
    const result = this.tail.then(() => this.inSnapshot(read));
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves once every read started so far has finished. */
  async idle(): Promise<void> {
    await this.tail;
  }

  private async inSnapshot<T>(read: (statements: StatementCache) => Promise<T>): Promise<T> {
    try {
      if (!this.isolated) return await read(this.statements);
      this.statements.run('BEGIN');
      try {
        return await read(this.statements);
      } finally {
        if (this.statements.connection.inTransaction) this.statements.run('COMMIT');
      }
    } catch (error) {
      throw toConfabError(error);
    }
  }
}
