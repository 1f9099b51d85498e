import type { ConfabClient, SessionInfo, SessionStatus } from '@confab/client';
import type { Command } from 'commander';
import { addConnectionOptions, type ConnectionFlags, withClient } from '../../client/connection.js';
import type { CliEnvironment } from '../../environment.js';
import { parseChoice, parsePositiveInteger } from '../../flags.js';
import { formatTable } from '../../format/table.js';
import { oneLine, shortTime } from '../../format/text.js';
import { printJson } from '../../output.js';
import { Progress } from '../../progress.js';

/** The most sessions one list request may return (DESIGN §6.1); larger limits take several pages. */
const PAGE_LIMIT = 200;
const STATUSES = ['active', 'archived', 'closed', 'all'] as const;

interface ListFlags extends ConnectionFlags {
  channel?: string;
  status?: string;
  search?: string;
  parent?: string;
  limit?: string;
  json?: boolean;
}

/**
 * Adds `confab sessions ls`: the newest-activity-first sessions of the token's app as a table
 * (id, title, status, turns, last activity), or with `--json` as a JSON array of session objects;
 * `--channel`, `--status`, `--search` and `--parent` filter on the server.
 */
export function registerSessionsList(sessions: Command, environment: CliEnvironment): void {
  addConnectionOptions(
    sessions
      .command('ls')
      .description('list sessions, newest activity first')
      .option('--channel <channel>', 'only the sessions of this channel')
      .option('--status <status>', `${STATUSES.join(' | ')} (default all)`)
      .option('--search <text>', 'only sessions whose title, id or clientSessionId contains this text')
      .option('--parent <session>', 'only the forks of this session')
      .option('--limit <n>', 'at most this many sessions (default 50)')
      .option('--json', 'print the sessions as a JSON array'),
  ).action(async (flags: ListFlags) => {
    const status = parseChoice(flags.status, '--status', STATUSES);
    const limit = parsePositiveInteger(flags.limit, '--limit', 50);
    const { sessions: found, more } = await withClient(flags, environment.env, (client) =>
      collectSessions(
        client,
        { channel: flags.channel, status, search: flags.search, parentId: flags.parent, limit },
        environment,
      ),
    );
    if (flags.json) {
      printJson(environment.output, found);
      return;
    }
    if (found.length === 0) {
      environment.output.err('confab: no sessions');
      return;
    }
    environment.output.out(sessionTable(found));
    if (more) environment.output.err(`confab: more sessions exist; raise --limit (now ${limit}) to see them`);
  });
}

/** Pages through the list until `limit` sessions are in; `more` tells whether others remain. */
async function collectSessions(
  client: ConfabClient,
  params: { channel?: string; status?: SessionStatus | 'all'; search?: string; parentId?: string; limit: number },
  environment: CliEnvironment,
): Promise<{ sessions: SessionInfo[]; more: boolean }> {
  const progress = new Progress(environment.stderr);
  const sessions: SessionInfo[] = [];
  let cursor: string | undefined;
  try {
    for (;;) {
      const page = await client.sessions.list({
        channel: params.channel,
        status: params.status,
        search: params.search,
        parentId: params.parentId,
        limit: Math.min(PAGE_LIMIT, params.limit - sessions.length),
        cursor,
      });
      sessions.push(...page.sessions);
      cursor = page.nextCursor ?? undefined;
      if (cursor === undefined || sessions.length >= params.limit) {
        return { sessions: sessions.slice(0, params.limit), more: cursor !== undefined };
      }
      progress.update(`confab: listed ${sessions.length} sessions…`);
    }
  } finally {
    progress.clear();
  }
}

function sessionTable(sessions: SessionInfo[]): string {
  return formatTable(
    ['ID', 'TITLE', 'STATUS', 'TURNS', 'LAST ACTIVITY'],
    sessions.map((session) => [
      session.id,
      session.title === null ? '-' : oneLine(session.title, 40),
      session.status,
      String(session.turnCount),
      shortTime(session.lastTurnAt ?? session.updatedAt),
    ]),
  );
}
