import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { nowMs, type Summary, summarize } from '../lib/stats.js';

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));
const cliEntry = fileURLToPath(new URL('../../packages/cli/src/bin.ts', import.meta.url));

/** Turns per second over HTTP against `confab serve` processes sharing one database. */
export interface ServeProcessesTurnsResult {
  processes: number;
  clients: number;
  turns: number;
  turnsPerSecond: number;
  /** Latency of one `POST /turns` as its client saw it. */
  msPerTurn: Summary;
}

/** A `confab serve` child and how to stop it. */
interface ServeChild {
  url: string;
  process: ChildProcess;
}

/**
 * `clients` concurrent clients, each on a session of its own and spread evenly over `processes`
 * `confab serve` processes on `store`, run `turns` JSON echo turns in all, each client sending its
 * next turn as soon as the last one answered. Every client is an app of its own: the server's rate
 * limit counts per app (600 turns a minute by default), and this measures the servers, not it.
 */
export async function serveProcessesTurns(
  store: string,
  processes: number,
  clients: number,
  turns: number,
): Promise<ServeProcessesTurnsResult> {
  const tokens = Array.from({ length: clients }, (_, index) => ({
    appId: `bench-${index}`,
    token: randomBytes(24).toString('hex'),
  }));
  const tokensFlag = tokens.map(({ appId, token }) => `${appId}:${token}`).join(',');
  const servers: ServeChild[] = [];
  try {
    // One after another: serve's token setup races when processes register the same tokens at once.
    for (let index = 0; index < processes; index++) servers.push(await startServe(store, tokensFlag));
    const targets = await Promise.all(
      tokens.map(async ({ token }, index) => {
        const url = (servers[index % processes] as ServeChild).url;
        const answer = await call(url, token, '/v1/sessions', {});
        return { url, token, sessionId: answer.session.id as string };
      }),
    );
    const latencies: number[] = [];
    let next = 0;
    const started = nowMs();
    await Promise.all(
      targets.map(async ({ url, token, sessionId }) => {
        while (next < turns) {
          const turn = next++;
          const sent = nowMs();
          await call(url, token, `/v1/sessions/${sessionId}/turns`, { input: `hello ${turn}` });
          latencies.push(nowMs() - sent);
        }
      }),
    );
    const seconds = (nowMs() - started) / 1000;
    return { processes, clients, turns, turnsPerSecond: turns / seconds, msPerTurn: summarize(latencies) };
  } finally {
    await Promise.all(servers.map(stopServe));
  }
}

/** POSTs JSON and returns the parsed answer; anything but 2xx fails the benchmark loudly. */
async function call(url: string, token: string, path: string, body: unknown) {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${text}`);
  return JSON.parse(text);
}

/**
 * Starts `confab serve --port 0` on `store` and resolves with its URL. Runs the CLI's TypeScript
 * entry directly (as bin/confab.js does in a source checkout) so the process measured is the server.
 */
function startServe(store: string, tokens: string): Promise<ServeChild> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('CONFAB_')));
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx/esm',
      '--conditions=confab-source',
      cliEntry,
      'serve',
      '--store',
      store,
      '--port',
      '0',
      '--tokens',
      tokens,
    ],
    // Request logs at info level would cost the server more than some turns do.
    { cwd: repositoryRoot, env: { ...inherited, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`confab serve did not listen within 30 s: ${stderr}`)), 30_000);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /listening on (http:\/\/\S+) /.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1] as string, process: child });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`confab serve exited (${code}) before listening: ${stderr}`));
    });
  });
}

/** SIGTERM, and the wait for the graceful exit. */
async function stopServe(server: ServeChild): Promise<void> {
  if (server.process.exitCode !== null || server.process.signalCode !== null) return;
  const exited = new Promise((resolve) => server.process.once('exit', resolve));
  server.process.kill('SIGTERM');
  await exited;
}
