import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const launcher = fileURLToPath(new URL('../../packages/cli/bin/confab.js', import.meta.url));
const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Options of {@link startCrashServer}. */
export interface CrashServerOptions {
  /** The SQLite file every incarnation of the server opens. */
  filename: string;
  /** `--tokens`: `<app>:<token>[,…]`. */
  tokens: string;
  /** `--lease-ttl-ms`: how soon a restarted server takes over the sessions the killed one held. */
  leaseTtlMs: number;
  /** How long to wait for the listening banner. */
  startTimeoutMs?: number;
  /** `--store` instead of `sqlite:<filename>` (e.g. a PostgreSQL URL). */
  store?: string;
  /** More flags, e.g. `['--models', 'echo']`. */
  extraArgs?: string[];
}

/** One `confab serve` process, started as a user would, that can be killed with SIGKILL. */
export interface CrashServer {
  /** The URL the banner printed (`--port 0` picks a free port). */
  url: string;
  /** Everything the process wrote to stderr so far (banner, warnings). */
  stderr(): string;
  /** SIGKILL to the launcher and the server it runs; resolves once no process of the group is alive. */
  kill(): Promise<void>;
  /** SIGTERM (graceful shutdown); resolves with the launcher's exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `node packages/cli/bin/confab.js serve --port 0 --store sqlite:<file> --tokens …
 * --lease-ttl-ms …` and waits for `confab: listening on <url>` on stderr.
 *
 * In a source checkout the launcher runs the CLI in a child process, and SIGKILL cannot be
 * forwarded. So the launcher is started as the leader of its own process group and `kill()`
 * signals the whole group: the server process dies by SIGKILL, exactly like `kill -9` of it.
 */
export async function startCrashServer(options: CrashServerOptions): Promise<CrashServer> {
  // Only the given flags configure the server: CONFAB_* of the caller's shell must not leak in.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('CONFAB_')));
  const child = spawn(
    process.execPath,
    [
      launcher,
      'serve',
      '--port',
      '0',
      '--store',
      options.store ?? `sqlite:${options.filename}`,
      '--tokens',
      options.tokens,
      '--lease-ttl-ms',
      String(options.leaseTtlMs),
      ...(options.extraArgs ?? []),
    ],
    { cwd: repositoryRoot, env: { ...env, LOG_LEVEL: 'warn' }, detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const groupId = child.pid;
  if (groupId === undefined) throw new Error('confab serve did not start');
  const url = await waitForBanner(() => stderr, exited, options.startTimeoutMs ?? 30_000).catch(async (error) => {
    killGroup(groupId);
    throw error;
  });
  return {
    url,
    stderr: () => stderr,
    async kill() {
      killGroup(groupId);
      await exited;
      await waitForGroupDeath(groupId, child);
    },
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

async function waitForBanner(stderr: () => string, exited: Promise<unknown>, timeoutMs: number): Promise<string> {
  let hasExited = false;
  exited.then(() => {
    hasExited = true;
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = stderr().match(/listening on (http:\/\/\S+)/);
    if (match?.[1]) return match[1];
    if (hasExited) throw new Error(`confab serve exited before listening:\n${stderr()}`);
    if (Date.now() > deadline)
      throw new Error(`confab serve printed no listening banner in ${timeoutMs} ms:\n${stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function killGroup(groupId: number): void {
  try {
    process.kill(-groupId, 'SIGKILL');
  } catch (error) {
    // ESRCH: the group is already gone, which is what we want.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/**
 * Waits until no process of the group runs any more, so the next server never overlaps the old
 * one on the same database file. The launcher's child is reparented when the launcher dies; where
 * nothing reaps orphans (a container's PID 1) it stays a zombie, which holds nothing, so zombies
 * count as dead (read from /proc where there is one).
 */
async function waitForGroupDeath(groupId: number, launcherProcess: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (groupHasLiveMembers(groupId)) {
    if (Date.now() > deadline) throw new Error(`process group ${groupId} still runs 10 s after SIGKILL`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  launcherProcess.stderr?.destroy();
}

function groupHasLiveMembers(groupId: number): boolean {
  try {
    process.kill(-groupId, 0);
  } catch {
    return false;
  }
  if (!existsSync('/proc/self/stat')) return true;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // The process ended while we looked.
    }
    // Fields after the parenthesised command name: state, ppid, pgrp, …
    const [state, , processGroup] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(processGroup) === groupId && state !== 'Z' && state !== 'X') return true;
  }
  return false;
}
