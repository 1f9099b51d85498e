import { spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { findBenchRoot } from '../bench/find-harness.js';
import { CliError } from '../cli-error.js';
import type { CliEnvironment } from '../environment.js';

interface BenchFlags {
  quick?: boolean;
  only?: string;
}

/**
 * Adds `confab bench`: runs `npm run bench` at the root of the Confab source checkout the CLI runs
 * from (`--quick` → `BENCH_QUICK=1`, `--only <sections>` → `BENCH_ONLY`), with the harness's
 * output on this process's stdout and stderr, and exits with the harness's code. An installed CLI
 * has no harness: it says so and exits 1.
 */
export function registerBenchCommand(program: Command, environment: CliEnvironment): void {
  program
    .command('bench')
    .description("run the repository's benchmarks (npm run bench; source checkouts only)")
    .option('--quick', 'shrink every scenario for a smoke run (BENCH_QUICK=1)')
    .option('--only <sections>', 'comma-separated sections, e.g. storage,runner,memory,context (BENCH_ONLY)')
    .action(async (flags: BenchFlags) => {
      const only = flags.only === undefined ? undefined : parseSections(flags.only);
      const root = findBenchRoot(dirname(fileURLToPath(import.meta.url)));
      if (root === null) {
        throw new CliError(
          '`confab bench` runs the benchmark harness of a Confab source checkout, and this installed CLI has ' +
            'none. Clone the Confab repository, run `npm ci` there, then `npx confab bench` (or `npm run bench`).',
          1,
        );
      }
      const env: NodeJS.ProcessEnv = { ...environment.env };
      if (flags.quick) env.BENCH_QUICK = '1';
      if (only !== undefined) env.BENCH_ONLY = only;
      const settings = [flags.quick ? 'quick' : '', only ? `sections ${only}` : ''].filter(Boolean).join(', ');
      environment.output.err(`confab: running npm run bench in ${root}${settings ? ` (${settings})` : ''}`);
      const code = await runToEnd('npm', ['run', 'bench'], root, env);
      if (code !== 0) throw new CliError(`the benchmarks failed (npm run bench exited with ${code})`, code);
    });
}

/** `storage, runner` → `storage,runner`; anything but comma-separated words is refused. */
function parseSections(text: string): string {
  const sections = text
    .split(',')
    .map((section) => section.trim())
    .filter(Boolean);
  if (sections.length === 0 || sections.some((section) => !/^[a-z][a-z0-9-]*$/.test(section))) {
    throw new CliError(`--only must be comma-separated section names, e.g. storage,runner; got "${text}"`);
  }
  return sections.join(',');
}

/**
 * Runs a command with inherited stdio and resolves to its exit code. SIGINT and SIGTERM sent to
 * this process are passed on, so stopping `confab bench` never leaves the harness running alone.
 */
function runToEnd(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    // npm is a .cmd script on Windows, which only a shell can start.
    const child = spawn(command, args, { cwd, env, stdio: 'inherit', shell: process.platform === 'win32' });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    const cleanUp = () => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
    };
    child.on('error', (error) => {
      cleanUp();
      reject(new CliError(`cannot start ${command}: ${error.message}`, 1));
    });
    child.on('exit', (code, signal) => {
      cleanUp();
      resolve(code ?? (signal === 'SIGINT' ? 130 : 1));
    });
  });
}
