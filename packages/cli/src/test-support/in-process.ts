/** Runs CLI commands inside the test process: the same code as the launcher, without its start-up cost. */
import { Readable, Writable } from 'node:stream';
import type { CliEnvironment } from '../environment.js';
import { runCli } from '../run.js';
import type { Finished } from './cli-process.js';

/** Runs `confab <args>` through {@link runCli} with `input` as a piped (non-terminal) stdin. */
export async function runInProcess(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; input?: string },
): Promise<Finished> {
  let stdout = '';
  let stderr = '';
  // Appends as it is written, so lines keep their order with the `output` ones.
  const collect = (append: (text: string) => void) =>
    new Writable({
      write(chunk, _encoding, done) {
        append(String(chunk));
        done();
      },
    });
  const environment: CliEnvironment = {
    env: options.env ?? {},
    cwd: options.cwd,
    output: {
      out: (text) => {
        stdout += `${text}\n`;
      },
      err: (text) => {
        stderr += `${text}\n`;
      },
    },
    stdin: Readable.from([options.input ?? '']),
    stdout: collect((text) => {
      stdout += text;
    }),
    stderr: collect((text) => {
      stderr += text;
    }),
  };
  const code = await runCli(['node', 'confab', ...args], environment);
  return { code, stdout, stderr };
}
