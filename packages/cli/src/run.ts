import { CommanderError } from 'commander';
import { CliError } from './cli-error.js';
import { type CliEnvironment, processEnvironment } from './environment.js';
import { buildProgram } from './program.js';

/**
 * Runs the CLI with `argv` (as `process.argv`: node, script, arguments). Resolves to the exit code
 * for a command that finished or failed; a long-running command (serve) resolves once it runs.
 */
export async function runCli(argv: string[], environment: CliEnvironment = processEnvironment()): Promise<number> {
  const program = buildProgram(environment).exitOverride();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof CliError) {
      environment.output.err(`confab: ${error.message}`);
      return error.exitCode;
    }
    environment.output.err(
      `confab: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    return 1;
  }
}
