import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JsonlStore } from './index.js';

/*
 * The directory lock against real processes: a holder killed with SIGKILL frees the store at once,
 * whether it was reaped or is still a zombie, and whatever process now has its pid; a live holder
 * keeps every other opener out. Holders run as `node --import tsx --conditions=confab-source`, so
 * the SIGKILL hits the process that holds the lock. Linux only: zombies are observed in /proc.
 */

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));
const holderScript = fileURLToPath(new URL('./lock-holder.fixture.ts', import.meta.url));
const nodeArguments = ['--import', 'tsx', '--conditions=confab-source', holderScript];

let directory: string;
const started: ChildProcess[] = [];

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'confab-jsonl-lock-'));
});

afterEach(async () => {
  for (const child of started.splice(0)) child.kill('SIGKILL');
  await rm(directory, { recursive: true, force: true });
});

interface Holder {
  /** The process holding the store. */
  pid: number;
  /** The spawned process: the holder itself, or its parent that never reaps it. */
  child: ChildProcess;
}

/**
 * Starts a process that opens the store and holds it. With `reapedLate`, the holder's parent is a
 * shell that execs `sleep`, which never calls wait(): once killed, the holder stays a zombie.
 * Resolves when it holds the store; rejects with its error output when its open failed.
 */
function startHolder(round: number, options: { reapedLate?: boolean } = {}): Promise<Holder> {
  const child = options.reapedLate
    ? spawn(
        '/bin/sh',
        ['-c', '"$0" "$@" & exec sleep 600', process.execPath, ...nodeArguments, directory, `${round}`],
        { cwd: repositoryRoot, stdio: ['ignore', 'pipe', 'pipe'] },
      )
    : spawn(process.execPath, [...nodeArguments, directory, `${round}`], {
        cwd: repositoryRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
  started.push(child);
  return new Promise((resolve, reject) => {
    let output = '';
    let errorOutput = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      errorOutput += chunk.toString('utf8');
      // The reaped-late holder's failure does not end its parent: its error output is the answer.
      if (options.reapedLate && errorOutput.includes('\n')) reject(new Error(errorOutput));
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const ready = /^ready (\d+)\n/.exec(output);
      if (ready) resolve({ pid: Number(ready[1]), child });
    });
    child.on('exit', (code, signal) =>
      reject(new Error(`holder ${round} exited (${code ?? signal}):\n${errorOutput}`)),
    );
  });
}

/** The state letter of a process in /proc (`Z` for a zombie), or null once it is gone. */
async function processState(pid: number): Promise<string | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  return stat === null ? null : (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) ?? null);
}

/** True once `pid` is a zombie whose every thread has exited (so its files are closed). */
async function isDeadZombie(pid: number): Promise<boolean> {
  if ((await processState(pid)) !== 'Z') return false;
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return /^Threads:\s+1$/m.test(status);
}

/** SIGKILLs a holder and returns once it has died: reaped, or a zombie when its parent never reaps. */
async function killHolder(holder: Holder, reapedLate: boolean): Promise<void> {
  const exited = new Promise((resolve) => holder.child.once('exit', resolve));
  process.kill(holder.pid, 'SIGKILL');
  if (!reapedLate) {
    await exited;
    return;
  }
  // A condition to wait for, not a time: SIGKILL delivery is asynchronous, and the leader shows `Z`
  // while its other threads (libuv's pool, V8's) may still be exiting with the shared file table.
  // A parent's wait() is told only once they are all gone; here /proc's thread count says it.
  for (let attempt = 0; !(await isDeadZombie(holder.pid)); attempt++) {
    if (attempt > 2_000) throw new Error(`holder ${holder.pid} did not die`);
    await sleep(5);
  }
}

async function sessionIds(): Promise<string[]> {
  const store = new JsonlStore({ directory, logger: { warn: () => {} } });
  try {
    return (await store.listSessions({ appId: 'app' })).sessions.map((session) => session.id).sort();
  } finally {
    await store.close();
  }
}

describe.skipIf(process.platform !== 'linux')('the directory lock across processes', () => {
  it('opens right after every kill -9 of the holder, reaped or still a zombie', async () => {
    const rounds = 6;
    for (let round = 0; round < rounds; round++) {
      const reapedLate = round % 2 === 1;
      // Each round's holder is the restart after the previous round's kill.
      const holder = await startHolder(round, { reapedLate });
      await killHolder(holder, reapedLate);
      if (reapedLate) expect(await processState(holder.pid)).toBe('Z');
    }
    expect(await sessionIds()).toEqual(Array.from({ length: rounds }, (_, round) => `round-${round}`).sort());
  }, 120_000);

  it('refuses a second live process and a second instance, naming the holder', async () => {
    const holder = await startHolder(0);
    const refusal = new RegExp(
      `the jsonl store at .* is open in process ${holder.pid} \\(.*store\\.lock\\); ` +
        'it supports one process and one store instance at a time',
    );
    await expect(startHolder(1)).rejects.toThrow(refusal);
    await expect(startHolder(2)).rejects.toThrow(/failed_precondition/);
    const here = new JsonlStore({ directory, logger: { warn: () => {} } });
    await expect(here.listApps()).rejects.toMatchObject({
      code: 'failed_precondition',
      message: expect.stringMatching(refusal),
    });
    await here.close();
    await killHolder(holder, false);
    expect(await sessionIds()).toEqual(['round-0']);
  }, 60_000);

  it('opens when the lock file names a pid that is alive but not a holder', async () => {
    const holder = await startHolder(0);
    await killHolder(holder, false);
    // The killed holder's pid, now taken by an unrelated live process: as if a sleep had reused it.
    const unrelated = spawn('sleep', ['600'], { stdio: 'ignore' });
    started.push(unrelated);
    await writeFile(join(directory, 'store.lock'), JSON.stringify({ pid: unrelated.pid }));
    expect(await sessionIds()).toEqual(['round-0']);
    // The new process has the old one's pid (pid 1 in a container restarted on the same volume).
    await writeFile(join(directory, 'store.lock'), JSON.stringify({ pid: process.pid }));
    expect(await sessionIds()).toEqual(['round-0']);
  }, 60_000);
});
