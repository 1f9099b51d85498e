import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server the tests use; the same variable as @confab/postgres's own tests. */
const ADMIN_URL = process.env.CONFAB_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A database created for one test file; `drop()` removes it even while servers still hold connections. */
export interface TestDatabase {
  /** Connection string of the test database, as `confab serve --store` takes it. */
  url: string;
  name: string;
  /**
   * Ends every connection to the test database except the admin one (which lives in the
   * maintenance database); returns how many backends were terminated.
   */
  terminateBackends(): Promise<number>;
  drop(): Promise<void>;
}

/**
 * Creates a fresh database so files running in parallel never see each other's rows. Fails with
 * instructions when PostgreSQL is unreachable: these tests must never pass by skipping.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  // A terminated or lost admin connection must fail the next query, not crash the test process.
  admin.on('error', () => undefined);
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${ADMIN_URL} (${error instanceof Error ? error.message : String(error)}).\n` +
        'Start it (pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) or set ' +
        'CONFAB_TEST_POSTGRES_URL to another server.',
    );
  }
  const name = `confab_multiprocess_${randomBytes(6).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  // Only confab processes are killed here, never the database server, so commits need not wait for the disk.
  await admin.query(`ALTER DATABASE ${name} SET synchronous_commit = off`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async terminateBackends() {
      const result = await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [name],
      );
      return result.rowCount ?? 0;
    },
    async drop() {
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    },
  };
}
