import type { Command } from 'commander';
import { addConnectionOptions, type ConnectionFlags, withClient } from '../../client/connection.js';
import type { CliEnvironment } from '../../environment.js';
import { printJson } from '../../output.js';

interface ForkFlags extends ConnectionFlags {
  snapshot?: string;
  json?: boolean;
}

/**
 * Adds `confab sessions fork <id> [--snapshot <id>]`: a new session sharing the history up to the
 * snapshot (default the latest). Prints the new session's id alone on stdout (easy to capture in a
 * script), or with `--json` the new session object.
 */
export function registerSessionsFork(sessions: Command, environment: CliEnvironment): void {
  addConnectionOptions(
    sessions
      .command('fork')
      .description('fork a session at a snapshot (default: the latest) into a new session')
      .argument('<id>', 'session id')
      .option('--snapshot <snapshotId>', 'fork at this snapshot instead of the latest')
      .option('--json', 'print the new session as JSON'),
  ).action(async (id: string, flags: ForkFlags) => {
    const subject = flags.snapshot ? `session ${id} or snapshot ${flags.snapshot}` : `session ${id}`;
    const fork = await withClient(
      flags,
      environment.env,
      async (client) => {
        const handle = await client.sessions.fork(id, { snapshotId: flags.snapshot });
        return handle.info ?? (await handle.get());
      },
      subject,
    );
    if (flags.json) {
      printJson(environment.output, fork);
      return;
    }
    const at = fork.parent ? ` at #${fork.parent.seq} (snapshot ${fork.parent.snapshotId})` : '';
    environment.output.err(`confab: forked session ${id}${at} into:`);
    environment.output.out(fork.id);
  });
}
