import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerBenchCommand } from './commands/bench.js';
import { registerChatCommand } from './commands/chat.js';
import { registerServeCommand } from './commands/serve.js';
import { registerSessionsCommand } from './commands/sessions/index.js';
import { registerTokenCommand } from './commands/token/index.js';
import type { CliEnvironment } from './environment.js';

function cliVersion(): string {
  try {
    const text = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
    return String((JSON.parse(text) as { version?: unknown }).version ?? '0.0.0');
  } catch {
    return '0.0.0';
  }
}

/**
 * The `confab` program. Each command lives in `commands/` and registers itself here; commands
 * throw `CliError` for problems the user can fix.
 */
export function buildProgram(environment: CliEnvironment): Command {
  const program = new Command('confab')
    .description('Confab: durable multi-turn AI-agent conversations')
    .version(cliVersion())
    .showHelpAfterError()
    .configureOutput({
      writeOut: (text) => environment.output.out(text.trimEnd()),
      writeErr: (text) => environment.output.err(text.trimEnd()),
    });
  registerServeCommand(program, environment);
  registerChatCommand(program, environment);
  registerSessionsCommand(program, environment);
  registerTokenCommand(program, environment);
  registerBenchCommand(program, environment);
  return program;
}
