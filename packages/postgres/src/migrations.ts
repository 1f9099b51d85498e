import { errors } from 'confab';
import type { Database } from './database.js';
import type { Tables } from './tables.js';

/** One forward-only schema change, applied at most once per schema. */
export interface Migration {
  version: number;
  name: string;
  sql: (tables: Tables) => string;
}

/*
 * Session fields that queries filter, sort or lock on are columns; everything else lives in the
 * JSON `body`, so adding a record field never needs a migration. The lease lives in the session
 * row: the row lock every append takes then also fences the lease, with no second lock to order.
 *
 * Text that is compared or sorted (ids, ISO timestamps) uses the "C" collation: byte order, which
 * is the order the other adapters and the cursors use, whatever the database's locale.
 *
 * `json` (not `jsonb`) keeps documents exactly as written, key order included; nothing queries
 * inside them.
 */
const INITIAL_SCHEMA = (t: Tables) => `
CREATE TABLE ${t.sessions} (
  id text COLLATE "C" PRIMARY KEY,
  app_id text COLLATE "C" NOT NULL,
  client_session_id text COLLATE "C",
  channel text COLLATE "C",
  status text NOT NULL,
  last_activity_at text COLLATE "C" NOT NULL,
  closed_at text COLLATE "C",
  pending_interrupt boolean NOT NULL,
  inherits_from_session_id text COLLATE "C",
  inherits_from_seq integer,
  lease_last_token bigint NOT NULL DEFAULT 0,
  lease_owner text,
  lease_token bigint,
  lease_expires_at timestamptz,
  body json NOT NULL
);
CREATE UNIQUE INDEX sessions_by_client_session_id ON ${t.sessions} (app_id, client_session_id)
  WHERE client_session_id IS NOT NULL;
CREATE UNIQUE INDEX sessions_one_active_per_channel ON ${t.sessions} (app_id, channel)
  WHERE status = 'active' AND channel IS NOT NULL;
CREATE INDEX sessions_by_activity ON ${t.sessions} (app_id, last_activity_at DESC, id DESC);
CREATE INDEX sessions_by_status ON ${t.sessions} (app_id, status, last_activity_at DESC, id DESC);
CREATE INDEX sessions_by_channel ON ${t.sessions} (app_id, channel, last_activity_at DESC, id DESC);
CREATE INDEX sessions_recent ON ${t.sessions} (last_activity_at, id);
CREATE INDEX sessions_closed ON ${t.sessions} (closed_at, id) WHERE status = 'closed';
CREATE INDEX sessions_by_fork_parent ON ${t.sessions} (inherits_from_session_id)
  WHERE inherits_from_session_id IS NOT NULL;

CREATE TABLE ${t.events} (
  session_id text COLLATE "C" NOT NULL,
  seq integer NOT NULL,
  turn integer NOT NULL,
  type text NOT NULL,
  at text NOT NULL,
  data json NOT NULL,
  PRIMARY KEY (session_id, seq)
);
CREATE INDEX events_compactions ON ${t.events} (session_id, seq) WHERE type = 'compaction';

CREATE TABLE ${t.inputs} (
  position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  session_id text COLLATE "C" NOT NULL,
  id text COLLATE "C" NOT NULL,
  payload json NOT NULL,
  idempotency_key text,
  status text NOT NULL,
  claim_token text,
  consumed_seq integer,
  consumed_turn integer,
  created_at text NOT NULL
);
CREATE UNIQUE INDEX inputs_by_id ON ${t.inputs} (session_id, id);
CREATE UNIQUE INDEX inputs_by_idempotency_key ON ${t.inputs} (session_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
CREATE INDEX inputs_pending ON ${t.inputs} (session_id, position) WHERE status = 'pending';

CREATE TABLE ${t.snapshots} (
  id text COLLATE "C" PRIMARY KEY,
  session_id text COLLATE "C" NOT NULL,
  seq integer NOT NULL,
  turn integer NOT NULL,
  state_version integer NOT NULL,
  parent_snapshot_id text,
  created_at text NOT NULL,
  state json NOT NULL
);
CREATE INDEX snapshots_by_session ON ${t.snapshots} (session_id, seq);

CREATE TABLE ${t.apps} (
  position bigint GENERATED ALWAYS AS IDENTITY,
  id text COLLATE "C" PRIMARY KEY,
  name text NOT NULL,
  created_at text NOT NULL
);

CREATE TABLE ${t.apiTokens} (
  position bigint GENERATED ALWAYS AS IDENTITY,
  id text COLLATE "C" PRIMARY KEY,
  app_id text COLLATE "C" NOT NULL,
  label text,
  token_hash text NOT NULL UNIQUE,
  created_at text NOT NULL,
  revoked_at text
);
CREATE INDEX api_tokens_by_app ON ${t.apiTokens} (app_id, position);

CREATE TABLE ${t.files} (
  token text COLLATE "C" PRIMARY KEY,
  app_id text COLLATE "C" NOT NULL,
  session_id text COLLATE "C",
  name text,
  media_type text NOT NULL,
  size integer NOT NULL,
  created_at text NOT NULL,
  expires_at text NOT NULL,
  expires_at_ms bigint,
  data bytea NOT NULL
);
CREATE INDEX files_by_session ON ${t.files} (session_id) WHERE session_id IS NOT NULL;
CREATE INDEX files_by_expiry ON ${t.files} (expires_at_ms);

CREATE TABLE ${t.lifecyclePayloads} (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  payload json NOT NULL
);
`;

/*
 * Version 2: a file's bytes in chunks of their own rows, inserted one statement each as an upload
 * streams in (file-storage.ts), instead of one bytea written whole. `complete = false` marks a file
 * still being stored: invisible to readers, and expired like any other if its writer died. Files
 * stored before keep their bytes in `files.data` (complete by default); new rows leave it empty.
 * Chunks are deleted with their file by the foreign key, whichever statement deletes it.
 */
const FILE_CHUNKS = (t: Tables) => `
ALTER TABLE ${t.files} ADD COLUMN complete boolean NOT NULL DEFAULT true;
CREATE TABLE ${t.fileChunks} (
  token text COLLATE "C" NOT NULL REFERENCES ${t.files} (token) ON DELETE CASCADE,
  seq integer NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (token, seq)
);
`;

/** Every migration, oldest first. Append only: a released migration is never edited. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial schema', sql: INITIAL_SCHEMA },
  { version: 2, name: 'file chunks', sql: FILE_CHUNKS },
];

/** The schema version this build creates and understands. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/** The highest migration recorded in the schema; 0 when the schema or its table does not exist yet. */
export async function readSchemaVersion(database: Database): Promise<number> {
  const t = database.tables;
  const present = await database.reads.row<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [
    t.migrations,
  ]);
  if (!present?.present) return 0;
  const row = await database.reads.row<{ version: number | null }>(
    `SELECT max(version) AS version FROM ${t.migrations}`,
  );
  return row?.version ?? 0;
}

/**
 * Applies every missing migration in one transaction that first takes a transaction-scoped
 * advisory lock named after the schema: processes that migrate at the same moment queue on the
 * lock, and each finds the schema already current when its turn comes. DDL is transactional in
 * PostgreSQL, so a failed migration leaves nothing half-made. Fails with `failed_precondition`
 * when the schema was migrated by a newer build.
 */
export async function runMigrations(database: Database, now: () => Date): Promise<number> {
  const t = database.tables;
  const version = await database.transaction(async (transaction) => {
    await transaction.run("SELECT pg_advisory_xact_lock(hashtextextended('confab.migrate:' || $1, 0))", [t.schema]);
    // Simple-protocol statements: DDL with several commands cannot be a prepared statement.
    await transaction.script(`CREATE SCHEMA IF NOT EXISTS ${t.schema};
      CREATE TABLE IF NOT EXISTS ${t.migrations} (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at text NOT NULL
      )`);
    const row = await transaction.row<{ version: number | null }>(
      `SELECT max(version) AS version FROM ${t.migrations}`,
    );
    let current = row?.version ?? 0;
    for (const migration of MIGRATIONS) {
      if (current >= migration.version) continue;
      await transaction.script(migration.sql(t));
      await transaction.run(`INSERT INTO ${t.migrations} (version, name, applied_at) VALUES ($1, $2, $3)`, [
        migration.version,
        migration.name,
        now().toISOString(),
      ]);
      current = migration.version;
    }
    return current;
  }, 'write');
  if (version > LATEST_SCHEMA_VERSION) {
    throw errors.failedPrecondition(
      `the database schema is at version ${version}, newer than this build understands (${LATEST_SCHEMA_VERSION})`,
    );
  }
  return version;
}
