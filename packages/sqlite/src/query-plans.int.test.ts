import type BetterSqlite3 from 'better-sqlite3';
import { encodeSessionCursor, type ListSessionsQuery } from 'confab/store';
import { describe, expect, it } from 'vitest';
import { StatementCache } from './connection.js';
import { Database } from './driver.js';
import { findOwnLatestCompaction, readOwnEvents } from './event-queries.js';
import { claimInputs } from './inputs.js';
import { runMigrations } from './migrations.js';
import { sweep } from './retention.js';
import { listSessionPage } from './session-queries.js';

/** Records every statement a query module runs, with its parameters, to plan it afterwards. */
class RecordingStatements extends StatementCache {
  readonly executed: Array<{ sql: string; parameters: unknown[] }> = [];

  override row<Row>(sql: string, ...parameters: unknown[]): Row | undefined {
    this.executed.push({ sql, parameters });
    return super.row<Row>(sql, ...parameters);
  }

  override rows<Row>(sql: string, ...parameters: unknown[]): Row[] {
    this.executed.push({ sql, parameters });
    return super.rows<Row>(sql, ...parameters);
  }

  override column<Value>(sql: string, ...parameters: unknown[]): Value[] {
    this.executed.push({ sql, parameters });
    return super.column<Value>(sql, ...parameters);
  }
}

function plansOf(connection: BetterSqlite3.Database, statements: RecordingStatements): string[][] {
  return statements.executed.map(({ sql, parameters }) =>
    (connection.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...parameters) as Array<{ detail: string }>).map(
      (step) => step.detail,
    ),
  );
}

/*
 * The hot queries must stay index range scans whatever the table sizes (1M events, many sessions):
 * no full table scan and no sort of the matching rows. Checked on the plans SQLite chooses for
 * the exact statements the store runs.
 */
describe('query plans', () => {
  const connection = new Database(':memory:');
  runMigrations(new StatementCache(connection), () => new Date());
  connection
    .prepare(
      `INSERT INTO sessions (id, app_id, status, last_activity_at, pending_interrupt, body)
       VALUES ('ses_1', 'app', 'active', '2020-01-01T00:00:00.000Z', 0, '{}')`,
    )
    .run();

  it('listSessions is a keyset range scan for every filter combination', () => {
    const statements = new RecordingStatements(connection);
    const cursor = encodeSessionCursor({ lastActivityAt: '2020-01-01T00:00:00.000Z', id: 'ses_x' });
    const filters: Array<Partial<ListSessionsQuery>> = [
      {},
      { status: 'active' },
      { channel: 'room' },
      { status: 'archived', channel: 'room' },
    ];
    for (const filter of filters) {
      listSessionPage(statements, { appId: 'app', ...filter });
      listSessionPage(statements, { appId: 'app', ...filter, cursor });
    }
    for (const plan of plansOf(connection, statements)) {
      expect(plan[0]).toMatch(/^SEARCH sessions USING INDEX sessions_by_/);
      expect(plan.join(' ')).not.toMatch(/TEMP B-TREE|SCAN sessions/);
    }
  });

  it('reading events and finding compactions use the (session_id, seq) keys', () => {
    const statements = new RecordingStatements(connection);
    readOwnEvents(statements, 'ses_1', 10, 1000, 100);
    findOwnLatestCompaction(statements, 'ses_1', 0, 1000);
    readOwnEvents(statements, 'ses_1', 10, 1000, 100, ['input', 'message', 'tool-call', 'tool-result']);
    readOwnEvents(statements, 'ses_1', 10, 1000, 100, ['message']);
    const [read, compaction, ...filtered] = plansOf(connection, statements);
    expect(read).toEqual(['SEARCH events USING PRIMARY KEY (session_id=? AND seq>? AND seq<?)']);
    expect(compaction).toEqual(['SEARCH events USING INDEX events_compactions (session_id=? AND seq>? AND seq<?)']);
    // A filtered read is the same range scan, the type tested on each row's column: no sort, no other index.
    expect(filtered).toEqual([
      ['SEARCH events USING PRIMARY KEY (session_id=? AND seq>? AND seq<?)'],
      ['SEARCH events USING PRIMARY KEY (session_id=? AND seq>? AND seq<?)'],
    ]);
  });

  it('claims and sweeps search indexes without sorting', () => {
    const statements = new RecordingStatements(connection);
    claimInputs(statements, 'ses_1', { max: 5, claimToken: 'turn' });
    claimInputs(statements, 'ses_1', { max: 5, claimToken: 'turn', ids: ['in_1'] });
    sweep(statements, { closeIdleBefore: '2000-01-01', deleteClosedBefore: '2000-01-01' }, new Date());
    for (const plan of plansOf(connection, statements)) {
      expect(plan[0]).toMatch(/^SEARCH /);
      expect(plan.join(' ')).not.toMatch(/TEMP B-TREE|SCAN (sessions|inputs|events|leases)/);
    }
  });
});
