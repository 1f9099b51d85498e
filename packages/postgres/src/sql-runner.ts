import type { Writable } from 'node:stream';
import type { PoolClient, QueryResult, QueryResultRow } from 'pg';
import type { Tables } from './tables.js';

/** Runs SQL statements: one at a time on the pool, or inside one transaction. */
export interface SqlRunner {
  readonly tables: Tables;
  /** Every row of `sql`. */
  rows<Row extends QueryResultRow>(sql: string, values?: unknown[]): Promise<Row[]>;
  /** The first row of `sql`, or undefined. */
  row<Row extends QueryResultRow>(sql: string, values?: unknown[]): Promise<Row | undefined>;
  /** Runs a statement; reports how many rows it changed. */
  run(sql: string, values?: unknown[]): Promise<number>;
}

/**
 * Names each distinct SQL text once, so every connection prepares a statement the first time it
 * runs it and afterwards only binds and executes it (no parsing and planning on hot paths).
 * The texts are a fixed set built from the store's code, so the map stays small.
 */
export class StatementNames {
  private readonly names = new Map<string, string>();

  /** With `prepare` false every statement is unnamed (parsed each time), as poolers need. */
  constructor(private readonly prepare = true) {}

  /** The prepared-statement name of `sql`, or undefined for an unnamed statement. */
  nameOf(sql: string): string | undefined {
    if (!this.prepare) return undefined;
    let name = this.names.get(sql);
    if (!name) {
      name = `confab_${this.names.size + 1}`;
      this.names.set(sql, name);
    }
    return name;
  }
}

/**
 * Holds back the socket writes of `client` until the end of the current tick. node-postgres writes
 * every protocol message on its own (Bind, Execute and Sync of a prepared statement, the `BEGIN` or
 * `COMMIT` pipelined with it), one system call each; corked, the messages sent in one tick leave in
 * one write. Nothing waits longer: the socket is uncorked before the event loop goes on to I/O.
 */
export function coalesceWrites(client: PoolClient): void {
  const stream = (client as unknown as { connection?: { stream?: Partial<Writable> } }).connection?.stream;
  if (!stream || typeof stream.cork !== 'function' || typeof stream.uncork !== 'function') return;
  if ((stream.writableCorked ?? 0) > 0) return;
  stream.cork();
  process.nextTick(() => stream.uncork?.());
}

/** Sends a statement without parameters (`BEGIN`, `COMMIT`, DDL) through the simple protocol. */
export function simpleQuery(client: PoolClient, sql: string): Promise<QueryResult> {
  coalesceWrites(client);
  return client.query(sql);
}

/** Sends one statement on `client` as a named prepared statement. */
export function execute<Row extends QueryResultRow>(
  client: PoolClient,
  names: StatementNames,
  sql: string,
  values: unknown[] = [],
): Promise<QueryResult<Row>> {
  coalesceWrites(client);
  return client.query<Row>({ name: names.nameOf(sql), text: sql, values });
}

/**
 * A transaction on one pooled connection. The connection runs in pipeline mode, so statements
 * queued back to back share a round trip: `BEGIN` travels with the first statement, and
 * {@link TransactionRunner.commitWith} sends the last statement together with `COMMIT`.
 */
export class TransactionRunner implements SqlRunner {
  /** True once `commitWith` committed, so that `commit()` does not commit twice. */
  private committed = false;
  private begin: Promise<unknown> | null;
  private beginFailed = false;
  private commitSent = false;

  constructor(
    private readonly client: PoolClient,
    private readonly names: StatementNames,
    readonly tables: Tables,
    begin: Promise<unknown>,
  ) {
    // Its failure is reported by the first statement; never as an unhandled rejection.
    begin.catch(() => {
      this.beginFailed = true;
    });
    this.begin = begin;
  }

  /**
   * True when the transaction can be run again from the start on another connection: `BEGIN`
   * itself failed, so nothing after it ran, and no `COMMIT` was ever sent.
   */
  get neverStarted(): boolean {
    return this.beginFailed && !this.commitSent;
  }

  async rows<Row extends QueryResultRow>(sql: string, values?: unknown[]): Promise<Row[]> {
    return (await this.send<Row>(sql, values)).rows;
  }

  async row<Row extends QueryResultRow>(sql: string, values?: unknown[]): Promise<Row | undefined> {
    return (await this.send<Row>(sql, values)).rows[0];
  }

  async run(sql: string, values?: unknown[]): Promise<number> {
    return (await this.send(sql, values)).rowCount ?? 0;
  }

  /** Runs several `;`-separated statements without parameters (DDL) through the simple protocol. */
  async script(sql: string): Promise<void> {
    await this.afterBegin(simpleQuery(this.client, sql));
  }

  /**
   * Runs the transaction's last statement and commits in one round trip. When the statement
   * fails, the server turns the `COMMIT` into a rollback and the statement's error is thrown.
   */
  async commitWith<Row extends QueryResultRow>(sql: string, values?: unknown[]): Promise<Row[]> {
    const statement = this.send<Row>(sql, values);
    this.commitSent = true;
    const commit = simpleQuery(this.client, 'COMMIT');
    const [result, committed] = await Promise.allSettled([statement, commit]);
    if (result.status === 'rejected') throw result.reason;
    if (committed.status === 'rejected') throw committed.reason;
    this.committed = true;
    return result.value.rows;
  }

  /** Finishes an open transaction: `COMMIT`, unless `commitWith` already did. */
  async commit(): Promise<void> {
    await this.begin;
    if (this.committed) return;
    this.commitSent = true;
    await simpleQuery(this.client, 'COMMIT');
    this.committed = true;
  }

  private send<Row extends QueryResultRow>(sql: string, values?: unknown[]): Promise<QueryResult<Row>> {
    return this.afterBegin(execute<Row>(this.client, this.names, sql, values));
  }

  private async afterBegin<Result>(result: Promise<Result>): Promise<Result> {
    if (this.begin) {
      const begin = this.begin;
      this.begin = null;
      // BEGIN's own error explains the failure better than the statement's "no transaction".
      result.catch(() => undefined);
      await begin;
    }
    return result;
  }
}
