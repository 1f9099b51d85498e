/** Runs the `confab` launcher as a user would, for the CLI's integration tests. */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const launcher = fileURLToPath(new URL('../../bin/confab.js', import.meta.url));

/** What a finished `confab` run printed and its exit code. */
export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The process's environment without CONFAB_ variables, so the developer's own settings never leak in. */
function cleanEnvironment(extra: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('CONFAB_')));
  return { ...base, LOG_LEVEL: 'warn', ...extra };
}

/** Runs `confab <args>` in `cwd` to its end, with `input` piped to its stdin (then closed). */
export function runConfab(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; input?: string },
): Promise<Finished> {
  const child = spawn(process.execPath, [launcher, ...args], {
    cwd: options.cwd,
    env: cleanEnvironment(options.env ?? {}),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += String(chunk);
  });
  child.stderr.on('data', (chunk) => {
    stderr += String(chunk);
  });
  child.stdin.end(options.input ?? '');
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A `confab` run the test talks to while it runs. */
export interface InteractiveConfab {
  /** Writes `text` to its stdin. */
  input: (text: string) => void;
  /** Closes its stdin (the end of input). */
  endInput: () => void;
  /** The first line it printed to stdout. */
  firstStdoutLine: () => Promise<string>;
  /** Closes the reading end of its stdout, as a reader like `head -1` does when it has enough. */
  closeStdout: () => void;
  /** Its end: exit code, and what it printed (stdout up to `closeStdout`). */
  finished: Promise<Finished>;
}

/** Starts `confab <args>` in `cwd` with its stdin, stdout and stderr as pipes the test drives. */
export function spawnConfab(args: string[], options: { cwd: string; env?: Record<string, string> }): InteractiveConfab {
  const child = spawn(process.execPath, [launcher, ...args], {
    cwd: options.cwd,
    env: cleanEnvironment(options.env ?? {}),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let lineArrived: (line: string) => void = () => undefined;
  const firstLine = new Promise<string>((resolve) => {
    lineArrived = resolve;
  });
  child.stdout.on('data', (chunk) => {
    stdout += String(chunk);
    const end = stdout.indexOf('\n');
    if (end >= 0) lineArrived(stdout.slice(0, end));
  });
  child.stderr.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const finished = new Promise<Finished>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return {
    input: (text) => child.stdin.write(text),
    endInput: () => child.stdin.end(),
    firstStdoutLine: () => firstLine,
    closeStdout: () => child.stdout.destroy(),
    finished,
  };
}

/** A `confab serve` started for a test file. */
export interface StartedServer {
  url: string;
  /** The dev token it printed on its first start. */
  token: string;
  stop: () => Promise<number | null>;
}

/** Starts `confab serve --port 0 <args>` in `cwd` and waits for its dev token and URL on stderr. */
export async function startServe(args: string[], cwd: string, timeoutMs = 20_000): Promise<StartedServer> {
  const child = spawn(process.execPath, [launcher, 'serve', '--port', '0', ...args], {
    cwd,
    env: cleanEnvironment({}),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const token = /Authorization: Bearer (\S+)/.exec(stderr)?.[1];
    const url = /listening on (http:\/\/\S+)/.exec(stderr)?.[1];
    if (token && url) {
      return {
        url,
        token,
        stop: () => {
          child.kill('SIGTERM');
          return exited;
        },
      };
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`confab serve did not start: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A TCP port nobody listens on (it was free a moment ago). */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}
