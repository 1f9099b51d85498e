import type { CloseResult, DeleteResult } from '@confab/client';
import type { Command } from 'commander';
import { addConnectionOptions, type ConnectionFlags, withClient } from '../../client/connection.js';
import type { CliEnvironment } from '../../environment.js';
import { printJson } from '../../output.js';

interface RemoveFlags extends ConnectionFlags {
  hard?: boolean;
  json?: boolean;
}

/**
 * Adds `confab sessions rm <id> [--hard]`: closes the session (no more turns, history kept until
 * retention erases it; idempotent), or with `--hard` erases it and its history for good. `--json`
 * prints the server's answer (`{ ok, alreadyClosed }` or `{ ok, deleted }`).
 */
export function registerSessionsRemove(sessions: Command, environment: CliEnvironment): void {
  addConnectionOptions(
    sessions
      .command('rm')
      .description('close a session (keeps its history), or erase it with --hard')
      .argument('<id>', 'session id')
      .option('--hard', 'erase the session and its history (cannot be undone)')
      .option('--json', "print the server's answer as JSON"),
  ).action(async (id: string, flags: RemoveFlags) => {
    const answer = await withClient<CloseResult | DeleteResult>(
      flags,
      environment.env,
      (client) => (flags.hard ? client.sessions.delete(id, { hard: true }) : client.sessions.delete(id)),
      `session ${id}`,
    );
    if (flags.json) {
      printJson(environment.output, answer);
      return;
    }
    if ('deleted' in answer) environment.output.out(`erased session ${id} and its history`);
    else if (answer.alreadyClosed) environment.output.out(`session ${id} was already closed`);
    else environment.output.out(`closed session ${id} (its history is kept; --hard erases it)`);
  });
}
