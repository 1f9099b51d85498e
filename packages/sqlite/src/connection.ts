import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { ConfabError, errors } from 'confab';
import { Database } from './driver.js';
import type { SynchronousMode } from './synchronous-mode.js';

/** An open better-sqlite3 database handle. */
export type Connection = BetterSqlite3.Database;

/** Settings shared by every connection a store opens on one file. */
export interface ConnectionSettings {
  synchronous: SynchronousMode;
  busyTimeoutMs: number;
}

const SYNCHRONOUS_MODES: readonly SynchronousMode[] = ['FULL', 'NORMAL', 'OFF'];

/** True for filenames SQLite treats as a private in-memory database (no second connection can share it). */
export function isInMemoryFilename(filename: string): boolean {
  return filename === '' || filename === ':memory:';
}

/**
 * Opens the connection that performs every write, creating the file's directory when missing. It
 * switches the file to WAL so readers never block the writer, and sets the busy timeout before
 * anything else so that two processes opening the same fresh file wait for each other instead of
 * failing.
 * Throws `invalid_argument` for a bad option and `unavailable` when the file cannot be opened.
 */
export function openWriterConnection(filename: string, settings: ConnectionSettings): Connection {
  if (!SYNCHRONOUS_MODES.includes(settings.synchronous)) {
    throw errors.invalidArgument(`synchronous must be one of ${SYNCHRONOUS_MODES.join(', ')}`);
  }
  if (!Number.isInteger(settings.busyTimeoutMs) || settings.busyTimeoutMs < 0) {
    throw errors.invalidArgument('busyTimeoutMs must be an integer ≥ 0');
  }
  if (!isInMemoryFilename(filename)) {
    try {
      mkdirSync(dirname(filename), { recursive: true, mode: 0o700 });
      // SQLite creates a database with the umask's mode (often 0644) and gives its -wal and -shm
      // files the database's mode; creating the file first keeps all three owner-only.
      closeSync(openSync(filename, 'a', 0o600));
    } catch (error) {
      throw errors.unavailable(`cannot create ${filename} or its directory`, { cause: error });
    }
  }
  return openWith(filename, settings, (connection) => {
    connection.pragma('journal_mode = WAL');
    connection.pragma(`synchronous = ${settings.synchronous}`);
  });
}

/**
 * Opens a second connection on the same file for multi-step reads, so that they can hold one
 * consistent WAL snapshot without blocking (or being torn by) the writer's transactions.
 * It refuses writes (`query_only`), which guards against a read path writing by mistake.
 */
export function openReaderConnection(filename: string, settings: ConnectionSettings): Connection {
  return openWith(filename, settings, (connection) => {
    connection.pragma('query_only = ON');
  });
}

function openWith(filename: string, settings: ConnectionSettings, configure: (connection: Connection) => void) {
  let connection: Connection | undefined;
  try {
    connection = new Database(filename, { timeout: settings.busyTimeoutMs });
    configure(connection);
    return connection;
  } catch (error) {
    connection?.close();
    throw toConfabError(error);
  }
}

type Statement = BetterSqlite3.Statement;

/**
 * Prepares each SQL text once per connection and hands back the compiled statement on every
 * later use, so hot paths (appends, reads) never pay for parsing and planning again.
 */
export class StatementCache {
  private readonly statements = new Map<string, Statement>();
  private readonly plucked = new Map<string, Statement>();

  constructor(readonly connection: Connection) {}

  /** The compiled statement for `sql`, prepared on first use. */
  prepare(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.connection.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** The first row of `sql`, or undefined. */
  row<Row>(sql: string, ...parameters: unknown[]): Row | undefined {
    return this.prepare(sql).get(...parameters) as Row | undefined;
  }

  /** Every row of `sql`. */
  rows<Row>(sql: string, ...parameters: unknown[]): Row[] {
    return this.prepare(sql).all(...parameters) as Row[];
  }

  /**
   * The first column of every row of `sql`, as plain values: no row object is built, which is
   * most of the per-row cost of a wide read. Its statements are cached apart from `prepare`'s,
   * since plucking is a mode of the compiled statement.
   */
  column<Value>(sql: string, ...parameters: unknown[]): Value[] {
    let statement = this.plucked.get(sql);
    if (!statement) {
      statement = this.connection.prepare(sql).pluck(true);
      this.plucked.set(sql, statement);
    }
    return statement.all(...parameters) as Value[];
  }

  /** Runs a statement that returns no rows; reports how many rows it changed. */
  run(sql: string, ...parameters: unknown[]): number {
    return this.prepare(sql).run(...parameters).changes;
  }

  /**
   * Runs `read` inside one deferred transaction so its statements see a single snapshot of the
   * file even while other processes commit. `read` must be synchronous.
   */
  consistently<T>(read: () => T): T {
    this.run('BEGIN');
    try {
      return read();
    } finally {
      if (this.connection.inTransaction) this.run('COMMIT');
    }
  }
}

interface SqliteErrorLike {
  code: string;
  message: string;
}

function isSqliteError(error: unknown): error is SqliteErrorLike {
  return (
    error instanceof Error &&
    error.name === 'SqliteError' &&
    typeof (error as Partial<SqliteErrorLike>).code === 'string'
  );
}

/** SQLite result codes (by prefix) that mean the database cannot be used right now. */
const UNAVAILABLE_CODES = ['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_IOERR', 'SQLITE_FULL', 'SQLITE_CANTOPEN'];

/**
 * Maps anything thrown by the driver onto the port's error codes: lock timeouts and I/O failures
 * become `unavailable`, uniqueness violations `conflict`, a missing schema `failed_precondition`;
 * ConfabErrors pass through and everything else is `internal`.
 */
export function toConfabError(error: unknown): ConfabError {
  if (ConfabError.isInstance(error)) return error;
  if (isSqliteError(error)) {
    if (UNAVAILABLE_CODES.some((code) => error.code.startsWith(code))) {
      return errors.unavailable(`the SQLite database is unavailable: ${error.message}`, { cause: error });
    }
    if (error.code === 'SQLITE_CONSTRAINT_UNIQUE' || error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
      return errors.conflict(`a record with the same key exists: ${error.message}`, { cause: error });
    }
    if (error.message.startsWith('no such table')) {
      return errors.failedPrecondition('the SQLite schema is missing: call migrate() first', { cause: error });
    }
  }
  if (error instanceof TypeError && error.message.includes('database connection is not open')) {
    return errors.unavailable('the store is closed', { cause: error });
  }
  return ConfabError.from(error);
}
