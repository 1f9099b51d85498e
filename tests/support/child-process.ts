import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./runner-child.ts', import.meta.url));

/** A runner child process with its output lines. */
export interface RunnerChild {
  process: ChildProcess;
  lines: string[];
  /** Resolves when a line equal to `line` has been printed. */
  waitFor(line: string, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code (null when killed). */
  exited: Promise<number | null>;
}

/** Starts `tests/support/runner-child.ts` under tsx with the given arguments. */
export function startRunnerChild(args: string[]): RunnerChild {
  const child = spawn(process.execPath, ['--import', 'tsx/esm', '--conditions=confab-source', CHILD, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: Array<{ line: string; resolve: () => void }> = [];
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      for (const waiter of waiters.filter((entry) => entry.line === line)) waiter.resolve();
    }
  });
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    errors += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    process: child,
    lines,
    exited,
    waitFor(line, timeoutMs = 20_000) {
      if (lines.includes(line)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`child never printed "${line}": ${errors.slice(-2000)}`)),
          timeoutMs,
        );
        waiters.push({
          line,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
        exited.then(() => {
          if (!lines.includes(line)) reject(new Error(`child exited before "${line}": ${errors.slice(-2000)}`));
        });
      });
    },
  };
}
