import type { Command } from 'commander';
import { ChatRepl } from '../chat/chat-repl.js';
import { LineReader } from '../chat/line-reader.js';
import { ReplyPrinter } from '../chat/reply-printer.js';
import { CliError } from '../cli-error.js';
import { addConnectionOptions, type ConnectionFlags, withClient } from '../client/connection.js';
import type { CliEnvironment } from '../environment.js';

interface ChatFlags extends ConnectionFlags {
  model?: string;
  clientTool?: string[];
  json?: boolean;
}

/**
 * Adds `confab chat [sessionId]`: a REPL on a session (a new one, whose id goes to stderr, when
 * none is given). Each line is a turn whose reply streams to stdout; tool calls, approvals and
 * results are shown, approvals and client tool results are asked for. With piped stdin, lines
 * are read until the end of input and the exit code is 1 when a turn failed, else 0.
 */
export function registerChatCommand(program: Command, environment: CliEnvironment): void {
  addConnectionOptions(
    program
      .command('chat')
      .description('chat with a session: replies stream in; /help lists the REPL commands')
      .argument('[sessionId]', 'continue this session (default: create a new one)')
      .option('--model <model>', "the model of new sessions (default: the server's)")
      .option(
        '--client-tool <name>',
        'declare a client-side tool on new sessions; its calls ask you for the result (repeatable)',
        (name: string, names: string[] | undefined) => [...(names ?? []), name],
      )
      .option('--json', 'print every event (deltas included) as a JSON line instead of the transcript'),
  ).action(async (sessionId: string | undefined, flags: ChatFlags) => {
    const interactive = environment.stdin.isTTY === true;
    const failedTurns = await withClient(
      flags,
      environment.env,
      (client, connection) => {
        const reader = new LineReader(environment.stdin, environment.stdout, interactive);
        const printer = new ReplyPrinter(environment, flags.json === true);
        const createParams = {
          model: flags.model,
          tools: flags.clientTool?.map((name) => ({ name, inputSchema: { type: 'object' } })),
        };
        return new ChatRepl(
          client,
          { url: connection.url, sessionId, createParams },
          environment,
          reader,
          printer,
        ).run();
      },
      sessionId === undefined ? undefined : `session ${sessionId}`,
    );
    if (failedTurns > 0 && !interactive) throw new CliError(`${failedTurns} turn(s) failed`, 1);
  });
}
