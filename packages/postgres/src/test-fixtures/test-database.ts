import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server the tests use; override with CONFAB_TEST_POSTGRES_URL. */
const ADMIN_URL = process.env.CONFAB_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A database created for one test file, dropped by `drop()`. */
export interface TestDatabase {
  /** Connection string of the test database. */
  url: string;
  name: string;
  /** A connection to the server's maintenance database, for administrative statements. */
  admin: pg.Client;
  /** Terminates every connection to the test database (except the admin one); returns how many. */
  terminateConnections(): Promise<number>;
  drop(): Promise<void>;
}

/**
 * Creates a fresh database so runs never see each other's data. Fails with instructions when the
 * server is not reachable: these tests must not pass silently without PostgreSQL.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  admin.on('error', () => undefined);
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${ADMIN_URL} (${error instanceof Error ? error.message : String(error)}).\n` +
        'Start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n' +
        '(check with: pg_isready -h 127.0.0.1 -p 5432), or set CONFAB_TEST_POSTGRES_URL to another server.',
    );
  }
  const name = `confab_test_${randomBytes(6).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  // Commits need not wait for the disk here: no test crashes the server, and the suite runs twice as fast.
  await admin.query(`ALTER DATABASE ${name} SET synchronous_commit = off`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    admin,
    async terminateConnections() {
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

/** A schema name no other test uses. */
export function randomSchema(): string {
  return `c_${randomBytes(6).toString('hex')}`;
}
