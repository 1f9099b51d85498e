import type { ServeEnvironment } from './commands/serve.js';
import { processOutput } from './output.js';

/** A stream that may be a terminal (`isTTY` is only set on terminals). */
export type MaybeTerminal = { isTTY?: boolean };

/**
 * What every command needs from its surroundings: `serve`'s environment plus the raw standard
 * streams, which `chat` reads lines from and streams partial lines to. Tests give their own.
 */
export interface CliEnvironment extends ServeEnvironment {
  stdin: NodeJS.ReadableStream & MaybeTerminal;
  stdout: NodeJS.WritableStream & MaybeTerminal;
  stderr: NodeJS.WritableStream & MaybeTerminal;
}

/** The process's own environment, working directory and streams. */
export function processEnvironment(): CliEnvironment {
  return {
    env: process.env,
    cwd: process.cwd(),
    output: processOutput,
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
  };
}
