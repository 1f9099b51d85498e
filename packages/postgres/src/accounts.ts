import {
  type AppRow,
  appFromRow,
  FILE_COLUMNS,
  type FileRow,
  fileFromRow,
  type TokenRow,
  tokenFromRow,
} from '@confab/sql-common';
import { type ApiToken, type App, errors, type FileRecord, type NewFile } from 'confab';
import { buildApiToken, buildApp, buildFileRecord } from 'confab/store';
import type { SqlRunner } from './sql-runner.js';

/*
 * Apps, hashed API tokens and files. Listings follow insertion order (an identity column), like
 * MemoryStore's maps. Each operation is one statement; the unique indexes settle races.
 */

/** `createApp` of the port: idempotent on `id`, also when two processes create it at once. */
export async function createApp(sql: SqlRunner, input: { id: string; name: string }, now: Date): Promise<App> {
  buildApp(input, now.toISOString());
  const inserted = await sql.row<AppRow>(
    `INSERT INTO ${sql.tables.apps} (id, name, created_at) VALUES ($1, $2, $3)
     ON CONFLICT (id) DO NOTHING RETURNING id, name, created_at`,
    [input.id, input.name, now.toISOString()],
  );
  if (inserted) return appFromRow(inserted);
  const existing = await loadApp(sql, input.id);
  if (!existing) throw errors.conflict(`app ${input.id} is being created and deleted; retry`);
  return existing;
}

/** The app, or null. */
export async function loadApp(sql: SqlRunner, appId: string): Promise<App | null> {
  const row = await sql.row<AppRow>(`SELECT id, name, created_at FROM ${sql.tables.apps} WHERE id = $1`, [appId]);
  return row ? appFromRow(row) : null;
}

/** Every app, oldest first. */
export async function listApps(sql: SqlRunner): Promise<App[]> {
  const rows = await sql.rows<AppRow>(`SELECT id, name, created_at FROM ${sql.tables.apps} ORDER BY position`);
  return rows.map(appFromRow);
}

const TOKEN_COLUMNS = 'id, app_id, label, token_hash, created_at, revoked_at';

/** `createToken` of the port: `not_found` without the app, `conflict` for a taken id or hash. */
export async function createToken(
  sql: SqlRunner,
  input: { id: string; appId: string; tokenHash: string; label?: string | null },
  now: Date,
): Promise<ApiToken> {
  buildApiToken(input, now.toISOString());
  const t = sql.tables;
  const row = await sql.row<TokenRow>(
    `INSERT INTO ${t.apiTokens} (${TOKEN_COLUMNS})
     SELECT $1, $2, $3, $4, $5, NULL WHERE EXISTS (SELECT 1 FROM ${t.apps} WHERE id = $2)
     RETURNING ${TOKEN_COLUMNS}`,
    [input.id, input.appId, input.label ?? null, input.tokenHash, now.toISOString()],
  );
  if (!row) throw errors.notFound('app', input.appId);
  return tokenFromRow(row);
}

/** The unrevoked token with this hash, or null. */
export async function findToken(sql: SqlRunner, tokenHash: string): Promise<ApiToken | null> {
  const row = await sql.row<TokenRow>(
    `SELECT ${TOKEN_COLUMNS} FROM ${sql.tables.apiTokens} WHERE token_hash = $1 AND revoked_at IS NULL`,
    [tokenHash],
  );
  return row ? tokenFromRow(row) : null;
}

/** An app's tokens (revoked ones included), oldest first. */
export async function listTokens(sql: SqlRunner, appId: string): Promise<ApiToken[]> {
  const rows = await sql.rows<TokenRow>(
    `SELECT ${TOKEN_COLUMNS} FROM ${sql.tables.apiTokens} WHERE app_id = $1 ORDER BY position`,
    [appId],
  );
  return rows.map(tokenFromRow);
}

/** `revokeToken` of the port. */
export async function revokeToken(sql: SqlRunner, tokenId: string, now: Date): Promise<boolean> {
  const changed = await sql.run(
    `UPDATE ${sql.tables.apiTokens} SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`,
    [now.toISOString(), tokenId],
  );
  return changed > 0;
}

/**
 * `putFile` of the port; the bytes go into a `bytea` column in the same statement as the record.
 * `data` must already be a private copy.
 */
export async function putFile(sql: SqlRunner, input: NewFile & { data: Buffer }, now: Date): Promise<FileRecord> {
  const file = buildFileRecord(input, now.toISOString());
  const expiresAtMs = Date.parse(file.expiresAt);
  // A taken token is a unique violation, reported as conflict.
  await sql.run(
    `INSERT INTO ${sql.tables.files} (${FILE_COLUMNS}, expires_at_ms, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      file.token,
      file.appId,
      file.sessionId,
      file.name,
      file.mediaType,
      file.size,
      file.createdAt,
      file.expiresAt,
      // An unparseable expiry never expires, as in MemoryStore (NaN compares false).
      Number.isNaN(expiresAtMs) ? null : expiresAtMs,
      input.data,
    ],
  );
  return file;
}

/** `getFile` of the port. */
export async function getFile(
  sql: SqlRunner,
  appId: string,
  token: string,
  now: Date,
): Promise<{ file: FileRecord; data: Uint8Array } | null> {
  // Another app's file is fetched as absent, without shipping its bytes.
  const row = await sql.row<FileRow & { data: Buffer }>(
    `SELECT ${FILE_COLUMNS}, data FROM ${sql.tables.files} WHERE token = $1 AND app_id = $2`,
    [token, appId],
  );
  if (!row || Date.parse(row.expires_at) <= now.getTime()) return null;
  // A plain Uint8Array of its own: the caller may keep or mutate it.
  return { file: fileFromRow(row), data: new Uint8Array(row.data) };
}

/** `deleteExpiredFiles` of the port. */
export async function deleteExpiredFiles(sql: SqlRunner, now: Date): Promise<number> {
  return sql.run(`DELETE FROM ${sql.tables.files} WHERE expires_at_ms <= $1`, [now.getTime()]);
}
