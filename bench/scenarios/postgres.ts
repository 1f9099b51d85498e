import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { markdownTable } from '../lib/report.js';
import { type BenchStore, postgresStoreFactory } from '../lib/stores.js';
import { type AppendCostResult, appendCost } from './append-cost.js';
import { durableThroughput, type ThroughputResult } from './durable-throughput.js';
import { type ServeProcessesTurnsResult, serveProcessesTurns } from './postgres-http-turns.js';

/** The server the PostgreSQL section uses: `CONFAB_BENCH_POSTGRES_URL`, else the tests' server. */
export const POSTGRES_ADMIN_URL =
  process.env.CONFAB_BENCH_POSTGRES_URL ??
  process.env.CONFAB_TEST_POSTGRES_URL ??
  'postgres://postgres@127.0.0.1:5432/postgres';

/** True when the PostgreSQL server answers within two seconds (the section is then run by default). */
export async function postgresReachable(url = POSTGRES_ADMIN_URL): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Runs `body` with store factories on a database created for it and dropped after. */
export async function withPostgresDatabase<T>(
  body: (createStore: () => Promise<BenchStore>) => Promise<T>,
): Promise<T> {
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  admin.on('error', () => undefined);
  await admin.connect();
  const name = `confab_bench_${randomBytes(6).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  try {
    const url = new URL(POSTGRES_ADMIN_URL);
    url.pathname = `/${name}`;
    return await body(postgresStoreFactory(url.toString()));
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

/** What the PostgreSQL section measured: raw figures and the markdown it prints. */
export interface PostgresSection {
  results: {
    postgresAppendCost: AppendCostResult[];
    postgresDurableThroughput: ThroughputResult[];
    postgresHttpTurns: ServeProcessesTurnsResult[];
  };
  markdown: string[];
}

/**
 * The PostgreSQL section of `npm run bench` on a database created for this run and dropped after:
 * per-turn append cost at history 10 and 10,000, durable appends with 1 and 64 concurrent sessions
 * (the same scenarios as the embedded stores), and HTTP turns/s against 1 and 2 `confab serve`
 * processes sharing the database. The database keeps the server's durability settings.
 */
export async function runPostgresSection(options: {
  quick: boolean;
  log: (message: string) => void;
}): Promise<PostgresSection> {
  const { quick, log } = options;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  admin.on('error', () => undefined);
  await admin.connect();
  const name = `confab_bench_${randomBytes(6).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  try {
    const url = new URL(POSTGRES_ADMIN_URL);
    url.pathname = `/${name}`;
    const databaseUrl = url.toString();
    const createStore = postgresStoreFactory(databaseUrl);
    const withStore = async <T>(body: (bench: BenchStore) => Promise<T>): Promise<T> => {
      const bench = await createStore();
      try {
        return await body(bench);
      } finally {
        await bench.dispose();
      }
    };

    const lengths = [10, 10_000];
    const appendRows: AppendCostResult[] = [];
    for (const historyLength of lengths) {
      appendRows.push(
        await withStore(async (bench) => {
          // A warm-up on the same store, so connection setup and statement preparation are not timed.
          await appendCost(bench, 10, 10);
          return appendCost(bench, historyLength, quick ? 20 : 100);
        }),
      );
    }
    const throughputRows: ThroughputResult[] = [];
    for (const sessions of [1, 64]) {
      const turnsPerSession = Math.max(2, Math.round((quick ? 200 : 2000) / sessions));
      throughputRows.push(await withStore((bench) => durableThroughput(bench, sessions, turnsPerSession)));
    }
    log('postgres store done');

    const clients = 64;
    const turns = quick ? 640 : 3_200;
    const httpRows: ServeProcessesTurnsResult[] = [];
    for (const processes of [1, 2]) httpRows.push(await serveProcessesTurns(databaseUrl, processes, clients, turns));
    log('postgres http done');

    const base = appendRows[0] as AppendCostResult;
    return {
      results: {
        postgresAppendCost: appendRows,
        postgresDurableThroughput: throughputRows,
        postgresHttpTurns: httpRows,
      },
      markdown: [
        '## PostgreSQL: append one turn (4 events, durable) vs history length\n\n' +
          markdownTable(
            ['history', 'median ms', 'p10', 'p90', 'ratio to history 10'],
            appendRows.map((row) => [
              row.historyLength,
              row.msPerTurn.median,
              row.msPerTurn.p10,
              row.msPerTurn.p90,
              row.msPerTurn.median / base.msPerTurn.median,
            ]),
          ),
        '## PostgreSQL: durable appends, turns/s (each turn one acknowledged append of 4 events)\n\n' +
          markdownTable(
            ['concurrent sessions', 'turns', 'turns/s'],
            throughputRows.map((row) => [row.sessions, row.turns, row.turnsPerSecond]),
          ),
        `## PostgreSQL: HTTP turns/s, ${clients} clients, echo model, JSON turns, \`confab serve\` processes on one database\n\n` +
          markdownTable(
            ['serve processes', 'clients', 'turns', 'turns/s', 'median ms', 'p90 ms'],
            httpRows.map((row) => [
              row.processes,
              row.clients,
              row.turns,
              row.turnsPerSecond,
              row.msPerTurn.median,
              row.msPerTurn.p90,
            ]),
          ),
      ],
    };
  } finally {
    // A failure here must not hide the section's own error; say what is left behind instead.
    await admin
      .query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      .catch((error: unknown) => log(`could not drop database ${name}: ${String(error)}`));
    await admin.end();
  }
}
