import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));
const cliEntry = fileURLToPath(new URL('../../../packages/cli/src/bin.ts', import.meta.url));

/** The app every test server registers its token for. */
export const APP_ID = 'app';

/** A running `confab serve` process. */
export interface ServeProcess {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Bearer token of app {@link APP_ID}. */
  token: string;
  pid: number;
  /** What the process wrote so far (stdout carries its JSON log, stderr its messages), for failure reports. */
  output(): string;
  /** Resolves with the exit code, or the signal's name when it was killed. */
  exited: Promise<number | string | null>;
  /** kill -9: no shutdown code runs, leases and open turns stay behind in the database. */
  kill(): Promise<void>;
  /** SIGTERM and wait: the graceful shutdown a deployment would do. */
  stop(): Promise<void>;
}

/** Options of {@link startServe}. */
export interface StartServeOptions {
  /** `postgres://…` of the shared database. */
  store: string;
  /** The token to register for {@link APP_ID}; every process of one test gets the same. */
  token: string;
  /** More `CONFAB_*` or other variables for the process. */
  env?: Record<string, string>;
}

/** A random bearer token, long enough that serve does not warn about it. */
export function newToken(): string {
  return randomBytes(24).toString('hex');
}

const running = new Set<ServeProcess>();

/**
 * Starts `confab serve --store <store> --port 0 --tokens app:<token>` and resolves once it
 * listens. It runs the CLI's TypeScript entry itself rather than bin/confab.js: that launcher
 * runs the server in a grandchild, which a SIGKILL of the launcher would leave running.
 */
export async function startServe(options: StartServeOptions): Promise<ServeProcess> {
  // Inherited CONFAB_* variables would change the configuration under test.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('CONFAB_')));
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    [
      '--import',
      'tsx/esm',
      '--conditions=confab-source',
      cliEntry,
      'serve',
      '--store',
      options.store,
      '--port',
      '0',
      '--tokens',
      `${APP_ID}:${options.token}`,
    ],
    { cwd: repositoryRoot, env: { ...inherited, LOG_LEVEL: 'warn', ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let output = '';
  const collect = (chunk: Buffer) => {
    // Bounded: a long load test must not keep every log line in memory.
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number | string | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal)),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`confab serve did not listen within 30 s:\n${output}`)), 30_000);
    const look = () => {
      const match = /listening on (http:\/\/\S+) /.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.stderr.off('data', look);
      resolve(match[1] as string);
    };
    child.stderr.on('data', look);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`confab serve exited (${code}) before listening:\n${output}`));
    });
  });
  const server: ServeProcess = {
    url,
    token: options.token,
    pid: child.pid as number,
    output: () => output,
    exited,
    async kill() {
      child.kill('SIGKILL');
      await exited;
      running.delete(server);
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
      running.delete(server);
    },
  };
  running.add(server);
  exited.then(() => running.delete(server));
  return server;
}

/**
 * Starts `count` servers on one database, one after another. Not at once: two processes that
 * register the same `--tokens` at the same moment race in serve's token setup (find, then insert)
 * and the loser exits on the unique violation of the token hash.
 */
export async function startServers(
  count: number,
  store: string,
  token = newToken(),
  env: Record<string, string> = {},
): Promise<ServeProcess[]> {
  const servers: ServeProcess[] = [];
  for (let index = 0; index < count; index++) servers.push(await startServe({ store, token, env }));
  return servers;
}

/** Kills every server this file started that is still running (for `afterAll`). */
export async function killAllServers(): Promise<void> {
  await Promise.all([...running].map((server) => server.kill()));
}
