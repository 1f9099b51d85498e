import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const repositoryRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** A child process running a TypeScript entry with tsx and the `confab-source` condition, like the tests. */
export interface Child {
  process: ChildProcessWithoutNullStreams;
  /** Every stdout line so far. */
  lines: string[];
  stderr(): string;
  /** The first stdout line matching `pattern` (its match), waiting up to `timeoutMs`. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

/** Starts `node --import tsx/esm --conditions=confab-source <script> ...args` from the repository root. */
export function spawnTypeScript(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  cwd = repositoryRoot,
): Child {
  const child = spawn(process.execPath, ['--import', 'tsx/esm', '--conditions=confab-source', script, ...args], {
    cwd,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return watch(child);
}

/** Wraps any child whose stdout is line-oriented. */
export function watch(child: ChildProcessWithoutNullStreams): Child {
  const lines: string[] = [];
  let stderr = '';
  const waiters: Array<() => void> = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const wake of waiters.splice(0)) wake();
  });
  child.stderr.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  exited.then(() => {
    for (const wake of waiters.splice(0)) wake();
  });
  let hasExited = false;
  exited.then(() => {
    hasExited = true;
  });
  return {
    process: child,
    lines,
    stderr: () => stderr,
    exited,
    async waitForLine(pattern, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        for (const line of lines) {
          const match = line.match(pattern);
          if (match) return match;
        }
        if (hasExited) throw new Error(`process exited before printing ${pattern}: ${stderr}\n${lines.join('\n')}`);
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw new Error(`no line matching ${pattern} in time: ${stderr}\n${lines.join('\n')}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, remaining);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
  };
}
