import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/**
 * A PostgreSQL cluster of its own for a fault test: made with `initdb` in a temp directory,
 * started with `pg_ctl` on a free port, restartable and removed at the end. Never the shared
 * server. As root, the binaries run as the `postgres` OS user (PostgreSQL refuses root).
 */
export interface ThrowawayCluster {
  port: number;
  /** `postgres://postgres@127.0.0.1:<port>/<database>`. */
  url(database?: string): string;
  start(): void;
  /** `pg_ctl stop -m <mode>`: `fast` ends sessions, `immediate` is a crash. */
  stop(mode?: 'fast' | 'immediate'): void;
  remove(): void;
}

/** The directory of `initdb` and `pg_ctl`, or null when PostgreSQL's server binaries are missing. */
export function findPostgresBinaries(): string | null {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
    for (const version of versions) {
      const bin = join(root, version, 'bin');
      if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin;
    }
  }
  return null;
}

/** A TCP port nobody listens on (it was free a moment ago). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

/** Creates and starts a cluster; `bin` from {@link findPostgresBinaries}. */
export async function createThrowawayCluster(bin: string): Promise<ThrowawayCluster> {
  const root = mkdtempSync(join(tmpdir(), 'confab-pg-cluster-'));
  const data = join(root, 'data');
  const asRoot = userInfo().uid === 0;
  if (asRoot) {
    const ids = execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim();
    const gid = execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim();
    chownSync(root, Number(ids), Number(gid));
  }
  const run = (program: string, args: string[]) => {
    const command = asRoot
      ? ['runuser', '-u', 'postgres', '--', join(bin, program), ...args]
      : [join(bin, program), ...args];
    const result = spawnSync(command[0] as string, command.slice(1), { encoding: 'utf8', cwd: root });
    if (result.status !== 0) throw new Error(`${program} failed: ${result.stderr || result.stdout || result.error}`);
  };
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  const options = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off`;
  const cluster: ThrowawayCluster = {
    port,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    start: () => run('pg_ctl', ['-D', data, '-o', options, '-l', join(root, 'log'), '-w', '-t', '30', 'start']),
    stop: (mode = 'fast') => run('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '30', 'stop']),
    remove: () => {
      spawnSync(asRoot ? 'runuser' : join(bin, 'pg_ctl'), [
        ...(asRoot ? ['-u', 'postgres', '--', join(bin, 'pg_ctl')] : []),
        '-D',
        data,
        '-m',
        'immediate',
        'stop',
      ]);
      rmSync(root, { recursive: true, force: true });
    },
  };
  cluster.start();
  return cluster;
}
