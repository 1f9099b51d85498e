import { errors } from 'confab';
import type { StatementCache } from './connection.js';

/** One forward-only schema change, applied at most once per database file. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/*
 * Session fields that queries filter or sort on are columns; everything else lives in the JSON
 * `body`, so adding a record field never needs a migration. Events are clustered by
 * (session_id, seq) (WITHOUT ROWID): a page of one session's log is one contiguous range scan.
 */
const INITIAL_SCHEMA = `
CREATE TABLE sessions (
  id TEXT PRIMARY KEY NOT NULL,
  app_id TEXT NOT NULL,
  client_session_id TEXT,
  channel TEXT,
  status TEXT NOT NULL,
  last_activity_at TEXT NOT NULL,
  closed_at TEXT,
  pending_interrupt INTEGER NOT NULL,
  inherits_from_session_id TEXT,
  inherits_from_seq INTEGER,
  body TEXT NOT NULL
);
CREATE UNIQUE INDEX sessions_by_client_session_id ON sessions (app_id, client_session_id)
  WHERE client_session_id IS NOT NULL;
CREATE UNIQUE INDEX sessions_one_active_per_channel ON sessions (app_id, channel)
  WHERE status = 'active' AND channel IS NOT NULL;
CREATE INDEX sessions_by_activity ON sessions (app_id, last_activity_at DESC, id DESC);
CREATE INDEX sessions_by_status ON sessions (app_id, status, last_activity_at DESC, id DESC);
CREATE INDEX sessions_by_channel ON sessions (app_id, channel, last_activity_at DESC, id DESC);
CREATE INDEX sessions_idle ON sessions (last_activity_at, id) WHERE status <> 'closed';
CREATE INDEX sessions_closed ON sessions (closed_at, id) WHERE status = 'closed';
CREATE INDEX sessions_by_fork_parent ON sessions (inherits_from_session_id)
  WHERE inherits_from_session_id IS NOT NULL;

CREATE TABLE events (
  session_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  turn INTEGER NOT NULL,
  type TEXT NOT NULL,
  at TEXT NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (session_id, seq)
) WITHOUT ROWID;
CREATE INDEX events_compactions ON events (session_id, seq) WHERE type = 'compaction';

CREATE TABLE inputs (
  position INTEGER PRIMARY KEY,
  session_id TEXT NOT NULL,
  id TEXT NOT NULL,
  text TEXT NOT NULL,
  files TEXT NOT NULL,
  idempotency_key TEXT,
  status TEXT NOT NULL,
  claim_token TEXT,
  consumed_seq INTEGER,
  consumed_turn INTEGER,
  created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX inputs_by_id ON inputs (session_id, id);
CREATE UNIQUE INDEX inputs_by_idempotency_key ON inputs (session_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
CREATE INDEX inputs_by_status ON inputs (session_id, status, position);

CREATE TABLE snapshots (
  id TEXT PRIMARY KEY NOT NULL,
  session_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  turn INTEGER NOT NULL,
  state_version INTEGER NOT NULL,
  parent_snapshot_id TEXT,
  created_at TEXT NOT NULL,
  state TEXT NOT NULL
);
CREATE INDEX snapshots_by_session ON snapshots (session_id, seq);

CREATE TABLE leases (
  session_id TEXT PRIMARY KEY NOT NULL,
  last_token INTEGER NOT NULL,
  owner TEXT,
  token INTEGER,
  expires_at TEXT
) WITHOUT ROWID;

CREATE TABLE apps (
  id TEXT PRIMARY KEY NOT NULL,
  name TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY NOT NULL,
  app_id TEXT NOT NULL,
  label TEXT,
  token_hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);
CREATE INDEX api_tokens_by_app ON api_tokens (app_id);

CREATE TABLE files (
  token TEXT PRIMARY KEY NOT NULL,
  app_id TEXT NOT NULL,
  session_id TEXT,
  name TEXT,
  media_type TEXT NOT NULL,
  size INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  expires_at_ms INTEGER,
  data BLOB NOT NULL
);
CREATE INDEX files_by_session ON files (session_id) WHERE session_id IS NOT NULL;
CREATE INDEX files_by_expiry ON files (expires_at_ms);
`;

/*
 * Version 2: an event row holds the whole event (all but the session id, which is the key) as one
 * JSON text, so a read materialises one value per row and one JSON.parse yields the event: reading
 * six columns per row cost more than parsing them. `type` stays addressable for the compactions
 * index through `json_extract`, which SQLite accepts in a partial index's condition.
 */
const EVENTS_AS_JSON = `
CREATE TABLE events_v2 (
  session_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (session_id, seq)
) WITHOUT ROWID;
INSERT INTO events_v2 (session_id, seq, body)
  SELECT session_id, seq, json_object('seq', seq, 'turn', turn, 'type', type, 'at', at, 'data', json(data))
  FROM events;
DROP TABLE events;
ALTER TABLE events_v2 RENAME TO events;
CREATE INDEX events_compactions ON events (session_id, seq) WHERE json_extract(body, '$.type') = 'compaction';
`;

/*
 * Version 3: the event's type as a stored generated column, so a read filtered by type
 * (`readContext` with `types`) tests a short column instead of extracting it from each body, and
 * the left-out rows are never parsed (json_extract per row cost about as much as the JSON.parse it
 * saved). Generated from the body, it cannot disagree with it, and writers are unchanged. Declared
 * before `body` so reading it never follows a long body's overflow pages. The table is rebuilt
 * because SQLite cannot add a stored column in place.
 */
const EVENT_TYPE_COLUMN = `
CREATE TABLE events_v3 (
  session_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  type TEXT NOT NULL GENERATED ALWAYS AS (json_extract(body, '$.type')) STORED,
  body TEXT NOT NULL,
  PRIMARY KEY (session_id, seq)
) WITHOUT ROWID;
INSERT INTO events_v3 (session_id, seq, body) SELECT session_id, seq, body FROM events;
DROP TABLE events;
ALTER TABLE events_v3 RENAME TO events;
CREATE INDEX events_compactions ON events (session_id, seq) WHERE type = 'compaction';
`;

/*
 * Version 4: a file's bytes in chunks of their own rows, written one commit each as an upload
 * streams in (file-storage.ts), instead of one BLOB written whole. `complete = 0` marks a file still
 * being stored: invisible to readers, and expired like any other if its writer died. Files stored
 * before keep their bytes in `files.data` (complete by default); new rows leave it empty. The trigger
 * removes the chunks of every deleted file, whichever statement deletes it.
 */
const FILE_CHUNKS = `
CREATE TABLE file_chunks (
  token TEXT NOT NULL,
  seq INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (token, seq)
);
ALTER TABLE files ADD COLUMN complete INTEGER NOT NULL DEFAULT 1;
CREATE TRIGGER files_delete_chunks AFTER DELETE ON files BEGIN
  DELETE FROM file_chunks WHERE token = OLD.token;
END;
`;

/*
 * Version 5: `inputs_by_status` leaves consumed inputs out. Only pending and claimed inputs are
 * ever looked up by status, and most inputs are consumed at birth (a turn's start queues its
 * input already consumed): each such insert rewrote an index page in the turn's commit for an
 * entry nothing reads. Queries by status state the index's condition (see inputs.ts).
 */
const INPUTS_BY_STATUS_UNCONSUMED = `
DROP INDEX inputs_by_status;
CREATE INDEX inputs_by_status ON inputs (session_id, status, position) WHERE status <> 'consumed';
`;

/** Every migration, oldest first. Append only: a released migration is never edited. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial schema', sql: INITIAL_SCHEMA },
  { version: 2, name: 'events as one JSON body', sql: EVENTS_AS_JSON },
  { version: 3, name: 'event type as a stored column', sql: EVENT_TYPE_COLUMN },
  { version: 4, name: 'file chunks', sql: FILE_CHUNKS },
  { version: 5, name: 'unconsumed inputs only in inputs_by_status', sql: INPUTS_BY_STATUS_UNCONSUMED },
];

/** The schema version this build creates and understands. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY NOT NULL,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL
)`;

/** The highest migration recorded in the file; 0 for a fresh file. */
export function readSchemaVersion(statements: StatementCache): number {
  const table = statements.row("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'");
  if (!table) return 0;
  return (
    statements.row<{ version: number | null }>('SELECT max(version) AS version FROM schema_migrations')?.version ?? 0
  );
}

/**
 * Applies every missing migration, each in its own `BEGIN IMMEDIATE` transaction that re-reads the
 * recorded version first: when several processes migrate one file at once, the write lock orders
 * them and each migration runs exactly once. Returns the resulting version. Fails with
 * `failed_precondition` when the file was migrated by a newer build.
 */
export function runMigrations(statements: StatementCache, now: () => Date): number {
  const connection = statements.connection;
  for (const migration of MIGRATIONS) {
    connection
      .transaction(() => {
        connection.exec(CREATE_MIGRATIONS_TABLE);
        if (readSchemaVersion(statements) >= migration.version) return;
        connection.exec(migration.sql);
        statements.run(
          'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
          migration.version,
          migration.name,
          now().toISOString(),
        );
      })
      .immediate();
  }
  const version = readSchemaVersion(statements);
  if (version > LATEST_SCHEMA_VERSION) {
    throw errors.failedPrecondition(
      `the database is at schema version ${version}, newer than this build understands (${LATEST_SCHEMA_VERSION})`,
    );
  }
  return version;
}
