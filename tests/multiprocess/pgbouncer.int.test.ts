/**
 * PgBouncer in transaction pooling mode in front of the PostgreSQL store (issue 15, faults (b)):
 * the test writes a config, starts Debian's pgbouncer on a free port (as the postgres user) and
 * runs two `confab serve` processes through it, with LISTEN on a direct connection
 * (`CONFAB_POSTGRES_LISTEN_URL`) and unnamed statements (`CONFAB_POSTGRES_PREPARED_STATEMENTS=false`).
 * Turns, a stream that shows the other process's turn live, and a stop sent to the other process
 * all work through the pooler.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, poll, sleep } from './support/api.js';
import { EventStream } from './support/event-stream.js';
import { createTestDatabase, type TestDatabase } from './support/postgres-database.js';
import { killAllServers, newToken, startServe } from './support/serve-process.js';
import { freePort } from './support/throwaway-cluster.js';

const PGBOUNCER = '/usr/sbin/pgbouncer';
const missing = existsSync(PGBOUNCER) ? null : `${PGBOUNCER} is not installed (Debian package pgbouncer)`;

describe.skipIf(missing !== null)(`PgBouncer in transaction pooling mode (${missing ?? PGBOUNCER})`, () => {
  let database: TestDatabase;
  let directory: string;
  let bouncer: ChildProcess;
  let first: Api;
  let second: Api;

  beforeAll(async () => {
    database = await createTestDatabase();
    directory = mkdtempSync(join(tmpdir(), 'confab-pgbouncer-'));
    const port = await freePort();
    const direct = new URL(database.url);
    writeFileSync(
      join(directory, 'pgbouncer.ini'),
      [
        '[databases]',
        `confab = host=${direct.hostname} port=${direct.port || 5432} dbname=${database.name} user=postgres`,
        '[pgbouncer]',
        'listen_addr = 127.0.0.1',
        `listen_port = ${port}`,
        'unix_socket_dir =',
        'auth_type = any',
        'pool_mode = transaction',
        'max_client_conn = 500',
        'default_pool_size = 20',
        // The store's per-connection settings are startup parameters a pooler cannot apply per
        // transaction: they are ignored here and set on the role or database in a deployment.
        'ignore_startup_parameters = statement_timeout,idle_in_transaction_session_timeout,extra_float_digits',
        `logfile = ${join(directory, 'pgbouncer.log')}`,
        `pidfile = ${join(directory, 'pgbouncer.pid')}`,
        '',
      ].join('\n'),
    );
    // PgBouncer refuses to run as root.
    const asRoot = userInfo().uid === 0;
    if (asRoot) {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      for (const path of [directory, join(directory, 'pgbouncer.ini')]) chownSync(path, uid, gid);
    }
    const command = asRoot ? ['runuser', '-u', 'postgres', '--', PGBOUNCER] : [PGBOUNCER];
    bouncer = spawn(command[0] as string, [...command.slice(1), join(directory, 'pgbouncer.ini')], {
      stdio: 'ignore',
    });
    const pooled = `postgres://postgres@127.0.0.1:${port}/confab`;
    await poll('pgbouncer to accept connections', async () => {
      const client = new pg.Client({ connectionString: pooled });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query('SELECT 1');
        return true;
      } catch {
        return undefined;
      } finally {
        await client.end().catch(() => undefined);
      }
    });
    const token = newToken();
    const env = { CONFAB_POSTGRES_LISTEN_URL: database.url, CONFAB_POSTGRES_PREPARED_STATEMENTS: 'false' };
    const servers = [await startServe({ store: pooled, token, env }), await startServe({ store: pooled, token, env })];
    [first, second] = servers.map((server) => new Api(server.url, server.token)) as [Api, Api];
  }, 60_000);

  afterAll(async () => {
    await killAllServers();
    bouncer?.kill('SIGTERM');
    await database?.drop();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  it('runs turns through the pooler on both processes', async () => {
    const sessionId = await first.createSession();
    const turns = [];
    for (let index = 0; index < 6; index++)
      turns.push(await (index % 2 ? second : first).turn(sessionId, `turn ${index}`));
    expect(turns.map((turn) => turn.index)).toEqual([1, 2, 3, 4, 5, 6]);
    const log = await second.events(sessionId);
    expect(log.map((event) => event.seq)).toEqual(log.map((_, index) => index + 1));
    expect(log.filter((event) => event.type === 'turn-end')).toHaveLength(6);
    // Concurrent turns on many sessions: no named-statement or transaction mix-up in the pooler.
    const many = await Promise.all(Array.from({ length: 8 }, () => first.createSession()));
    const answers = await Promise.all(many.map((id, index) => (index % 2 ? second : first).turn(id, 'together')));
    expect(answers.every((turn) => turn.stopReason === 'stop')).toBe(true);
  });

  it('streams the other process’s turn live, and a stop sent to one process stops the turn running in the other', async () => {
    const sessionId = await first.createSession();
    const stream = await EventStream.open(first.url, first.token, sessionId);
    const slow = second.turn(sessionId, '/sleep 20000 a long one');
    await stream.waitFor('the turn-start of the other process', (frames) =>
      frames.some((frame) => frame.event === 'turn-start'),
    );
    await sleep(200);
    const stop = await first.request('POST', `/v1/sessions/${sessionId}/stop`, {});
    expect(stop.status).toBe(200);
    const turn = await slow;
    expect(turn.stopReason).toBe('aborted');
    await stream.waitFor('the turn-end of the other process', (frames) =>
      frames.some((frame) => frame.event === 'turn-end'),
    );
    stream.close();
  });
});
