import { errors } from 'confab';

/** Options of `PostgresStore` and `PostgresLifecycleTransport`. */
export interface PostgresStoreOptions {
  /** A libpq-style URL, e.g. `postgres://user:password@host:5432/database`. */
  connectionString: string;
  /**
   * Where the one LISTEN connection goes, when not to `connectionString`. A pooler in transaction
   * mode (PgBouncer `pool_mode = transaction`) cannot keep a LISTEN, so behind one this must name
   * the database directly; queries and NOTIFYs still go through the pooler.
   */
  listenConnectionString?: string;
  /**
   * Name statements so each connection parses them once (default true). A pooler in transaction
   * mode hands a client a different server connection per transaction, where a named statement
   * does not exist: set false behind PgBouncer < 1.21 or without `max_prepared_statements`.
   */
  preparedStatements?: boolean;
  /** Most connections the store opens for queries (the LISTEN connection comes on top). Default 10. */
  poolSize?: number;
  /**
   * Longest a statement may run (lock waits included) before the database cancels it; the call
   * then fails with `unavailable`. Also bounds the wait for a free pooled connection. Default 15000.
   */
  statementTimeoutMs?: number;
  /** The schema that holds every table; created by `migrate()`. Default `confab`. */
  schema?: string;
  /**
   * The clock for record timestamps and, when given, for lease expiry too (tests freeze it). When
   * omitted, timestamps come from this process's clock and leases from the database server's clock,
   * so that processes on machines with skewed clocks still agree on who holds a lease.
   */
  now?: () => Date;
}

/** {@link PostgresStoreOptions} with defaults applied and values checked. */
export interface ResolvedOptions {
  connectionString: string;
  listenConnectionString: string;
  preparedStatements: boolean;
  poolSize: number;
  statementTimeoutMs: number;
  schema: string;
  /** The caller's clock, or null to let the database decide lease expiry. */
  clock: (() => Date) | null;
  now: () => Date;
}

/** A schema name that needs no quoting rules beyond double quotes: letters, digits, underscores. */
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Applies defaults and checks options; `invalid_argument` for a bad value. */
export function resolveOptions(options: PostgresStoreOptions): ResolvedOptions {
  if (typeof options?.connectionString !== 'string' || options.connectionString.trim() === '') {
    throw errors.invalidArgument('connectionString is required');
  }
  const poolSize = options.poolSize ?? 10;
  if (!Number.isInteger(poolSize) || poolSize < 1) throw errors.invalidArgument('poolSize must be an integer ≥ 1');
  const statementTimeoutMs = options.statementTimeoutMs ?? 15_000;
  if (!Number.isInteger(statementTimeoutMs) || statementTimeoutMs < 1) {
    throw errors.invalidArgument('statementTimeoutMs must be an integer ≥ 1');
  }
  const schema = options.schema ?? 'confab';
  if (!SCHEMA_NAME.test(schema)) {
    throw errors.invalidArgument('schema must be 1–63 letters, digits or underscores, not starting with a digit');
  }
  const clock = options.now ?? null;
  const listen = options.listenConnectionString ?? options.connectionString;
  if (typeof listen !== 'string' || listen.trim() === '') {
    throw errors.invalidArgument('listenConnectionString must be a non-empty URL');
  }
  return {
    connectionString: options.connectionString,
    listenConnectionString: listen,
    preparedStatements: options.preparedStatements ?? true,
    poolSize,
    statementTimeoutMs,
    schema,
    clock,
    now: clock ?? (() => new Date()),
  };
}
