/** One conversation held by a system under comparison, seeded with history before it is measured. */
export interface PeerConversation {
  /**
   * Persists one chat turn (one user message, one assistant message) the way this system's docs
   * persist a turn. Resolves once the system acknowledges it, which for every system here means
   * committed to SQLite.
   */
  persistTurn(turn: number): Promise<void>;
  /**
   * The ways this system loads a conversation for its next turn, by name. Each resolves with how
   * many records (messages or events) it loaded, so the tables show what was read.
   */
  loaders: Record<string, () => Promise<number>>;
}

/** A system under comparison (Confab or a peer), with its files in a fresh temporary directory. */
export interface PeerSystem {
  /** Short name used in tables, the chart and the raw results. */
  name: string;
  /** The durability this system runs with here, e.g. `WAL, synchronous=FULL (store default)`. */
  durability: string;
  /** Whether each commit is fsynced (false for SQLite WAL at `synchronous=NORMAL`, or no disk at all). */
  fsyncPerCommit: boolean;
  /** What one turn writes, in words, for the method section of the report. */
  turnWrites: string;
  /** A new conversation already holding `historyMessages` messages (user and assistant alternating). */
  openConversation(historyMessages: number): Promise<PeerConversation>;
  /**
   * A running count of SQLite commits (each one fsync at `synchronous=FULL`): the difference
   * between two reads is the commits made in between. Null when the system does not commit.
   */
  commits(): number | null;
  /** Bytes of this system's files on disk now: the database, its WAL, and their sum. */
  bytesOnDisk(): DiskUsage;
  /** Bytes of the database once its WAL is checkpointed into it (0 without files). */
  checkpointedBytes(): number;
  /** Closes the system and deletes its files. */
  dispose(): Promise<void>;
}

/** Bytes on disk of one SQLite database. */
export interface DiskUsage {
  database: number;
  wal: number;
  total: number;
}

/** Creates a fresh instance of one system. */
export type PeerFactory = () => Promise<PeerSystem>;
