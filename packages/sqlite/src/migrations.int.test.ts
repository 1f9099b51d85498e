import { describe, expect, it } from 'vitest';
import { StatementCache } from './connection.js';
import { Database } from './driver.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations.js';
import { SqliteStore } from './sqlite-store.js';
import { temporaryDatabase } from './test-fixtures/temporary-database.js';

/*
 * A file written by an older build must open and migrate: its rows come out of the new schema as
 * the port's events, unchanged, and the hot reads keep their index-only plans.
 */
describe('migrations', () => {
  it('a version 1 file migrates to events as JSON bodies with every event intact', async () => {
    const database = temporaryDatabase();
    try {
      const old = new Database(database.filename);
      old.pragma('journal_mode = WAL');
      old.exec(
        'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
      );
      old.exec(MIGRATIONS[0]?.sql ?? '');
      old.prepare("INSERT INTO schema_migrations VALUES (1, 'initial schema', '2026-01-01T00:00:00.000Z')").run();
      const body = JSON.stringify({
        title: null,
        agent: null,
        model: null,
        meta: {},
        state: {},
        stateVersion: 0,
        turnCount: 1,
        createdAt: '2026-01-01T00:00:00.000Z',
        updatedAt: '2026-01-01T00:00:00.000Z',
        lastTurnAt: null,
        parent: null,
        version: 2,
        lastSeq: 3,
        tools: [],
        compactionSeq: 3,
        lastSnapshotId: null,
        archivedAt: null,
        runtime: {},
      });
      old
        .prepare(
          `INSERT INTO sessions (id, app_id, status, last_activity_at, pending_interrupt, body)
           VALUES ('ses_old', 'app', 'active', '2026-01-01T00:00:00.000Z', 0, ?)`,
        )
        .run(body);
      const insert = old.prepare('INSERT INTO events VALUES (?, ?, ?, ?, ?, ?)');
      insert.run(
        'ses_old',
        1,
        1,
        'input',
        '2026-01-01T00:00:00.001Z',
        '{"inputId":"in_1","text":"héllo \\"quoted\\""}',
      );
      insert.run(
        'ses_old',
        2,
        1,
        'message',
        '2026-01-01T00:00:00.002Z',
        '{"messageId":"m","role":"assistant","text":"x","n":1.5e300}',
      );
      insert.run('ses_old', 3, 1, 'compaction', '2026-01-01T00:00:00.003Z', '{"summary":"so far","throughSeq":1}');
      old.close();

      const store = new SqliteStore({ filename: database.filename });
      try {
        expect(await store.migrate()).toEqual({ version: LATEST_SCHEMA_VERSION });
        const { events } = await store.readEvents('ses_old');
        expect(events).toEqual([
          {
            seq: 1,
            sessionId: 'ses_old',
            turn: 1,
            type: 'input',
            at: '2026-01-01T00:00:00.001Z',
            data: { inputId: 'in_1', text: 'héllo "quoted"' },
          },
          {
            seq: 2,
            sessionId: 'ses_old',
            turn: 1,
            type: 'message',
            at: '2026-01-01T00:00:00.002Z',
            data: { messageId: 'm', role: 'assistant', text: 'x', n: 1.5e300 },
          },
          {
            seq: 3,
            sessionId: 'ses_old',
            turn: 1,
            type: 'compaction',
            at: '2026-01-01T00:00:00.003Z',
            data: { summary: 'so far', throughSeq: 1 },
          },
        ]);
        // Field order is part of the answer (adapters agree byte for byte on serialised events).
        expect(Object.keys(events[0] ?? {})).toEqual(['seq', 'sessionId', 'turn', 'type', 'at', 'data']);
        const context = await store.readContext('ses_old');
        expect(context.compaction?.seq).toBe(3);
        expect(context.events.map((event) => event.seq)).toEqual([2, 3]);
        const appended = await store.appendEvents({
          sessionId: 'ses_old',
          events: [{ type: 'message', turn: 2, data: { messageId: 'm2', role: 'assistant', text: 'new' } }],
        });
        expect(appended.events[0]?.seq).toBe(4);
        expect((await store.readEvents('ses_old', { after: 3 })).events).toEqual(appended.events);
      } finally {
        await store.close();
      }
      const check = new Database(database.filename, { readonly: true });
      const plan = (
        check
          .prepare(
            `EXPLAIN QUERY PLAN SELECT body FROM events INDEXED BY events_compactions
             WHERE session_id = ? AND type = 'compaction' AND seq > ? AND seq <= ?
             ORDER BY seq DESC LIMIT 1`,
          )
          .all('ses_old', 0, 10) as Array<{ detail: string }>
      ).map((step) => step.detail);
      expect(plan).toEqual(['SEARCH events USING INDEX events_compactions (session_id=? AND seq>? AND seq<?)']);
      expect(new StatementCache(check).column<string>("SELECT name FROM pragma_table_xinfo('events')")).toEqual([
        'session_id',
        'seq',
        'type',
        'body',
      ]);
      check.close();
    } finally {
      database.remove();
    }
  });

  it('a version 2 file migrates to a type column that filtered context reads use', async () => {
    const database = temporaryDatabase();
    try {
      const old = new Database(database.filename);
      old.pragma('journal_mode = WAL');
      old.exec(
        'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
      );
      for (const migration of MIGRATIONS.slice(0, 2)) {
        old.exec(migration.sql);
        old
          .prepare("INSERT INTO schema_migrations VALUES (?, ?, '2026-01-01T00:00:00.000Z')")
          .run(migration.version, migration.name);
      }
      const session = { turnCount: 1, lastSeq: 4, compactionSeq: 3, version: 2, meta: {}, state: {}, runtime: {} };
      old
        .prepare(
          `INSERT INTO sessions (id, app_id, status, last_activity_at, pending_interrupt, body)
           VALUES ('ses_v2', 'app', 'active', '2026-01-01T00:00:00.000Z', 0, ?)`,
        )
        .run(
          JSON.stringify({
            ...session,
            title: null,
            agent: null,
            model: null,
            stateVersion: 0,
            createdAt: '2026-01-01T00:00:00.000Z',
            updatedAt: '2026-01-01T00:00:00.000Z',
            lastTurnAt: null,
            parent: null,
            tools: [],
            lastSnapshotId: null,
            archivedAt: null,
          }),
        );
      const insert = old.prepare("INSERT INTO events (session_id, seq, body) VALUES ('ses_v2', ?, ?)");
      const at = '2026-01-01T00:00:00.000Z';
      const bodies = [
        { seq: 1, turn: 1, type: 'input', at, data: { inputId: 'in_1', text: 'hi' } },
        { seq: 2, turn: 1, type: 'turn-start', at, data: { inputIds: ['in_1'], inputCount: 1, model: 'echo' } },
        { seq: 3, turn: 1, type: 'compaction', at, data: { summary: 'so far', throughSeq: 1 } },
        { seq: 4, turn: 1, type: 'message', at, data: { messageId: 'm', role: 'assistant', text: '"type":"input"' } },
      ];
      for (const body of bodies) insert.run(body.seq, JSON.stringify(body));
      old.close();

      const store = new SqliteStore({ filename: database.filename });
      try {
        expect(await store.migrate()).toEqual({ version: LATEST_SCHEMA_VERSION });
        const context = await store.readContext('ses_v2', { types: ['input', 'message'] });
        expect(context.compaction?.seq).toBe(3);
        expect(context.events).toEqual([{ ...bodies[3], sessionId: 'ses_v2' }]);
        expect((await store.readContext('ses_v2')).events.map((event) => event.seq)).toEqual([2, 3, 4]);
      } finally {
        await store.close();
      }
      const check = new Database(database.filename, { readonly: true });
      const types = check.prepare('SELECT type FROM events ORDER BY seq').pluck().all();
      expect(types).toEqual(['input', 'turn-start', 'compaction', 'message']);
      check.close();
    } finally {
      database.remove();
    }
  });
});
