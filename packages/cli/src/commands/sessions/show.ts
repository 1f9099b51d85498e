import type { EventPage, Session, SessionEvent, SessionInfo } from '@confab/client';
import type { Command } from 'commander';
import { addConnectionOptions, type ConnectionFlags, withClient } from '../../client/connection.js';
import type { CliEnvironment } from '../../environment.js';
import { parsePositiveInteger } from '../../flags.js';
import { formatEventLine } from '../../format/event.js';
import { jsonOneLine, shortTime } from '../../format/text.js';
import { printJson } from '../../output.js';
import { Progress } from '../../progress.js';

/** The largest page of events the API gives (DESIGN §6.1). */
const EVENT_PAGE_LIMIT = 1000;

interface ShowFlags extends ConnectionFlags {
  events?: string;
  json?: boolean;
}

/**
 * Adds `confab sessions show <id>`: the session's fields and its last `--events` events (default
 * 20), or with `--json` the object `{ session, events }` (the session object and the events as on
 * the wire).
 */
export function registerSessionsShow(sessions: Command, environment: CliEnvironment): void {
  addConnectionOptions(
    sessions
      .command('show')
      .description('show a session and its recent events')
      .argument('<id>', 'session id')
      .option('--events <n>', 'how many of the latest events to show (default 20)')
      .option('--json', 'print { session, events } as JSON'),
  ).action(async (id: string, flags: ShowFlags) => {
    const count = parsePositiveInteger(flags.events, '--events', 20);
    const { session, events } = await withClient(
      flags,
      environment.env,
      async (client) => {
        const handle = client.session(id);
        const info = await handle.get();
        return { session: info, events: await recentEvents(handle, count, new Progress(environment.stderr)) };
      },
      `session ${id}`,
    );
    if (flags.json) {
      printJson(environment.output, { session, events });
      return;
    }
    environment.output.out(describeSession(session));
    environment.output.out('');
    environment.output.out(events.length ? `last ${events.length} event(s):` : 'no events yet');
    for (const event of events) environment.output.out(formatEventLine(event));
  });
}

/**
 * The last `count` events of a session. Seqs are consecutive, so starting `count` before the last
 * snapshot's seq reads only the tail (plus whatever came after that snapshot) instead of the whole
 * log, which may be long.
 */
async function recentEvents(session: Session, count: number, progress: Progress): Promise<SessionEvent[]> {
  const snapshots = await session.snapshots();
  const lastSnapshotSeq = snapshots.at(-1)?.seq ?? 0;
  let after: number | null = Math.max(0, lastSnapshotSeq - count);
  const tail: SessionEvent[] = [];
  try {
    while (after !== null) {
      const page: EventPage = await session.events({ after, limit: EVENT_PAGE_LIMIT });
      tail.push(...page.events);
      tail.splice(0, Math.max(0, tail.length - count));
      after = page.nextAfter;
      if (after !== null) progress.update(`confab: read events up to #${after}…`);
    }
  } finally {
    progress.clear();
  }
  return tail;
}

function describeSession(session: SessionInfo): string {
  const parent = session.parent
    ? `${session.parent.sessionId} at #${session.parent.seq} (snapshot ${session.parent.snapshotId})`
    : '-';
  const rows: Array<[string, string]> = [
    ['title', session.title ?? '-'],
    ['status', session.status],
    ['app', session.appId],
    ['channel', session.channel ?? '-'],
    ['agent', session.agent ?? '-'],
    ['model', session.model ?? '-'],
    ['turns', String(session.turnCount)],
    ['created', shortTime(session.createdAt)],
    ['updated', shortTime(session.updatedAt)],
    ['last turn', shortTime(session.lastTurnAt)],
    ['closed', shortTime(session.closedAt)],
    ['parent', parent],
    ['client id', session.clientSessionId ?? '-'],
    ['meta', jsonOneLine(session.meta, 100)],
    ['state', `${jsonOneLine(session.state, 100)} (version ${session.stateVersion})`],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return [`session ${session.id}`, ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`)].join('\n');
}
