import type { EventType, SessionEvent, SessionRecord, SnapshotWithState } from 'confab';

/** A value now (SQLite's synchronous driver) or later (PostgreSQL's). */
export type Awaitable<T> = T | Promise<T>;

/**
 * The driver-specific reads that the SQL adapters' shared read logic ({@link planFork},
 * {@link readSessionContext}) is built on. Each adapter answers them with its own SQL, all on one
 * consistent snapshot (a read transaction) that the caller holds.
 */
export interface SessionReads {
  /** The session, or undefined when missing. */
  loadSession(sessionId: string): Awaitable<SessionRecord | undefined>;
  /** The session's fork link: undefined when missing, null for a root. */
  loadInheritance(sessionId: string): Awaitable<SessionRecord['inheritsFrom'] | undefined>;
  /** The snapshot with its state, or null when missing. */
  loadSnapshot(snapshotId: string): Awaitable<SnapshotWithState | null>;
  /** The session's own newest `compaction` event with afterSeq < seq ≤ throughSeq, or null. */
  findOwnLatestCompaction(sessionId: string, afterSeq: number, throughSeq: number): Awaitable<SessionEvent | null>;
  /**
   * Up to `limit` events of `record`'s visible log (its own and its fork parents') after seq
   * `after`, in seq order; only `types` when given.
   */
  readVisibleEvents(
    record: SessionRecord,
    after: number,
    limit: number,
    types?: readonly EventType[] | null,
  ): Promise<SessionEvent[]>;
}
