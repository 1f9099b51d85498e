import { errors } from 'confab';
import pg, { type ClientConfig, type PoolClient, type QueryResultRow } from 'pg';
import type { ResolvedOptions } from './options.js';
import { isConnectionError, toConfabError } from './pg-errors.js';
import { execute, type SqlRunner, StatementNames, simpleQuery, TransactionRunner } from './sql-runner.js';
import { type Tables, tablesIn } from './tables.js';

/** How a transaction isolates itself. */
export type TransactionMode =
  /** READ COMMITTED: for writes, which serialise on row locks they take explicitly. */
  | 'write'
  /** REPEATABLE READ READ ONLY: several statements see one snapshot (reads that follow fork parents). */
  | 'snapshot';

const BEGIN: Record<TransactionMode, string> = {
  write: 'BEGIN',
  snapshot: 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
};

/*
 * bigint (count(*), identity columns) arrives as a string by default; every bigint this store
 * reads is far below 2^53, so numbers are safe and keep the records' types plain.
 */
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** The settings every connection of a store uses, the LISTEN connection included. */
export function connectionConfig(options: ResolvedOptions): ClientConfig {
  return {
    connectionString: options.connectionString,
    // A connection string's own application_name wins over this default.
    application_name: 'confab',
    statement_timeout: options.statementTimeoutMs,
    // A frozen process must not hold session locks for ever.
    idle_in_transaction_session_timeout: options.statementTimeoutMs * 2,
    // The server-side timeout cannot fire when the network is gone; this one can.
    query_timeout: options.statementTimeoutMs + 5_000,
    connectionTimeoutMillis: options.statementTimeoutMs,
    keepAlive: true,
    types: TYPES,
  };
}

/** The settings of the LISTEN connection: {@link connectionConfig} on `listenConnectionString`. */
export function listenConnectionConfig(options: ResolvedOptions): ClientConfig {
  return { ...connectionConfig(options), connectionString: options.listenConnectionString };
}

/**
 * The pool of query connections and the three ways the store uses them:
 *
 * - `rows`/`row`/`run`: one statement on its own (autocommit);
 * - `reads`: the same, retried once when a pooled connection turns out to have died while idle
 *   (safe because the statement only reads);
 * - `transaction`: several statements on one connection, committed together.
 *
 * A connection that failed is discarded rather than reused; the pool opens new ones as needed, so
 * the store recovers by itself once the database is back. Errors come out as ConfabErrors, and
 * everything fails with `unavailable` after `close()`.
 */
export class Database implements SqlRunner {
  readonly tables: Tables;
  /** Single statements retried once on a connection that died while idle. For reads only. */
  readonly reads: SqlRunner;
  private readonly pool: pg.Pool;
  private readonly names: StatementNames;
  private closed = false;

  constructor(options: ResolvedOptions) {
    this.tables = tablesIn(options.schema);
    this.names = new StatementNames(options.preparedStatements);
    this.pool = new pg.Pool({
      ...connectionConfig(options),
      max: options.poolSize,
      idleTimeoutMillis: 30_000,
      allowExitOnIdle: true,
      // Statements queued back to back on one connection share a round trip (see TransactionRunner).
      pipeline: true,
    });
    // An idle connection that dies (server restart, terminated backend) must not crash the
    // process: the pool has already dropped it and will open a new one when needed.
    this.pool.on('error', () => undefined);
    // The same for a checked-out connection that dies between two statements: the next statement
    // on it fails and reports the loss, and the connection is discarded on release.
    this.pool.on('connect', (client) => client.on('error', () => undefined));
    const retrying = <T>(run: (runner: SqlRunner) => Promise<T>) => this.withConnection(run, true);
    this.reads = {
      tables: this.tables,
      rows: <Row extends QueryResultRow>(sql: string, values?: unknown[]) =>
        retrying((runner) => runner.rows<Row>(sql, values)),
      row: <Row extends QueryResultRow>(sql: string, values?: unknown[]) =>
        retrying((runner) => runner.row<Row>(sql, values)),
      run: (sql, values) => retrying((runner) => runner.run(sql, values)),
    };
  }

  /** True once `close()` was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  async rows<Row extends QueryResultRow>(sql: string, values?: unknown[]): Promise<Row[]> {
    return this.withConnection((runner) => runner.rows<Row>(sql, values), false);
  }

  async row<Row extends QueryResultRow>(sql: string, values?: unknown[]): Promise<Row | undefined> {
    return this.withConnection((runner) => runner.row<Row>(sql, values), false);
  }

  async run(sql: string, values?: unknown[]): Promise<number> {
    return this.withConnection((runner) => runner.run(sql, values), false);
  }

  /**
   * Runs `work` in one transaction and commits it; rolls back when `work` throws. A connection
   * that died while idle in the pool is replaced once before anything was sent on it, so the
   * first call after a database restart does not fail needlessly.
   */
  async transaction<T>(work: (transaction: TransactionRunner) => Promise<T>, mode: TransactionMode): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.checkout();
      const transaction = new TransactionRunner(client, this.names, this.tables, simpleQuery(client, BEGIN[mode]));
      let result: T;
      try {
        result = await work(transaction);
        await transaction.commit();
      } catch (error) {
        const healthy = !isConnectionError(error) && (await rollback(client));
        client.release(healthy ? undefined : true);
        if (attempt === 1 && isStaleConnection(error, transaction)) continue;
        throw toConfabError(error);
      }
      client.release();
      return result;
    }
  }

  /** Ends every connection once the statements under way finished. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  /** Fails with `unavailable` once the store was closed. */
  assertOpen(): void {
    if (this.closed) throw errors.unavailable('the store is closed');
  }

  private async withConnection<T>(run: (runner: SqlRunner) => Promise<T>, retry: boolean): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.checkout();
      try {
        const result = await run(singleStatements(client, this.names, this.tables));
        client.release();
        return result;
      } catch (error) {
        client.release(isConnectionError(error) ? true : undefined);
        if (retry && attempt === 1 && isConnectionError(error)) continue;
        throw toConfabError(error);
      }
    }
  }

  private async checkout(): Promise<PoolClient> {
    this.assertOpen();
    try {
      return await this.pool.connect();
    } catch (error) {
      throw this.closed ? errors.unavailable('the store is closed', { cause: error }) : toConfabError(error);
    }
  }
}

/** A runner over one checked-out connection, each statement on its own. */
function singleStatements(client: PoolClient, names: StatementNames, tables: Tables): SqlRunner {
  return {
    tables,
    rows: async <Row extends QueryResultRow>(sql: string, values?: unknown[]) =>
      (await execute<Row>(client, names, sql, values)).rows,
    async row<Row extends QueryResultRow>(sql: string, values?: unknown[]): Promise<Row | undefined> {
      const result = await execute<Row>(client, names, sql, values);
      return result.rows[0];
    },
    run: async (sql, values) => (await execute(client, names, sql, values)).rowCount ?? 0,
  };
}

/** True when the transaction failed on a dead connection before anything of it could take effect. */
function isStaleConnection(error: unknown, transaction: TransactionRunner): boolean {
  return isConnectionError(error) && transaction.neverStarted;
}

async function rollback(client: PoolClient): Promise<boolean> {
  try {
    await client.query('ROLLBACK');
    return true;
  } catch {
    return false;
  }
}
