import { errors } from 'confab';
import {
  type Connection,
  type ConnectionSettings,
  isInMemoryFilename,
  openReaderConnection,
  openWriterConnection,
  StatementCache,
  toConfabError,
} from './connection.js';
import { GroupCommitQueue } from './group-commit.js';
import type { GroupCommitStats } from './group-commit-stats.js';
import { readSchemaVersion, runMigrations } from './migrations.js';
import { SnapshotReads } from './snapshot-reads.js';

/** What a {@link StorageEngine} needs to open a file. */
export interface StorageEngineOptions extends ConnectionSettings {
  filename: string;
  now: () => Date;
}

/**
 * The three ways a store touches the file, and its open/closed state:
 *
 * - `write`: a synchronous task run inside the next group commit (one savepoint each);
 * - `read`: synchronous statements on the writer connection, in one deferred transaction, so they
 *   see the latest commit and agree with each other;
 * - `snapshotRead`: an async read (the shared fork-chain helpers await) on the reader connection,
 *   inside one read transaction.
 *
 * Every entry point fails with `unavailable` once `close()` was called.
 */
export class StorageEngine {
  /** The clock every write and lease check uses. */
  readonly now: () => Date;
  private readonly writer: Connection;
  private readonly reader: Connection | null;
  private readonly statements: StatementCache;
  private readonly writes: GroupCommitQueue;
  private readonly snapshotReads: SnapshotReads;
  private closed = false;

  /** Opens the writer (and, for a file, the reader) connection; `unavailable` when that fails. */
  constructor(options: StorageEngineOptions) {
    this.now = options.now;
    this.writer = openWriterConnection(options.filename, options);
    try {
      this.reader = isInMemoryFilename(options.filename) ? null : openReaderConnection(options.filename, options);
    } catch (error) {
      this.writer.close();
      throw error;
    }
    this.statements = new StatementCache(this.writer);
    this.writes = new GroupCommitQueue(this.statements);
    this.snapshotReads = this.reader
      ? new SnapshotReads(new StatementCache(this.reader), true)
      : new SnapshotReads(this.statements, false);
  }

  /** A copy of the write path's counters. */
  get stats(): GroupCommitStats {
    return this.writes.stats;
  }

  /** Commits queued writes, then applies missing migrations; returns the schema version. */
  migrate(): number {
    this.assertOpen();
    this.writes.flush();
    return this.guard(() => runMigrations(this.statements, this.now));
  }

  /** The recorded schema version (0 before any migration). */
  schemaVersion(): number {
    this.assertOpen();
    return this.guard(() => readSchemaVersion(this.statements));
  }

  /** Commits every write already issued, waits for running snapshot reads, then closes. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      this.writes.flush();
      await this.snapshotReads.idle();
    } finally {
      this.reader?.close();
      this.writer.close();
    }
  }

  /** Queues `task` for the next group commit; resolves after the commit, when `afterCommit` has run. */
  write<T>(task: (statements: StatementCache, now: Date) => T, afterCommit?: (value: T) => void): Promise<T> {
    this.assertOpen();
    return this.writes.enqueue(() => task(this.statements, this.now()), afterCommit);
  }

  /** Runs synchronous statements on the latest committed state, in one transaction. */
  read<T>(read: (statements: StatementCache) => T): T {
    this.assertOpen();
    return this.guard(() => this.statements.consistently(() => read(this.statements)));
  }

  /** Runs an async read on one snapshot of the file. */
  snapshotRead<T>(read: (statements: StatementCache) => Promise<T>): Promise<T> {
    this.assertOpen();
    return this.snapshotReads.run(read);
  }

  private assertOpen(): void {
    if (this.closed) throw errors.unavailable('the store is closed');
  }

  private guard<T>(run: () => T): T {
    try {
      return run();
    } catch (error) {
      throw toConfabError(error);
    }
  }
}
