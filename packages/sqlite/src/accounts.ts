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
import type { StatementCache } from './connection.js';

/*
 * Apps, hashed API tokens and files. Listings follow insertion order (rowid), like MemoryStore's
 * maps.
 */

/** `createApp` of the port, as one write task: idempotent on `id`. */
export function createApp(statements: StatementCache, input: { id: string; name: string }, now: Date): App {
  const existing = loadApp(statements, input.id);
  if (existing) return existing;
  const app: App = buildApp(input, now.toISOString());
  statements.run('INSERT INTO apps (id, name, created_at) VALUES (?, ?, ?)', app.id, app.name, app.createdAt);
  return app;
}

/** The app, or null. */
export function loadApp(statements: StatementCache, appId: string): App | null {
  const row = statements.row<AppRow>('SELECT id, name, created_at FROM apps WHERE id = ?', appId);
  return row ? appFromRow(row) : null;
}

/** Every app, oldest first. */
export function listApps(statements: StatementCache): App[] {
  return statements.rows<AppRow>('SELECT id, name, created_at FROM apps ORDER BY rowid').map(appFromRow);
}

const TOKEN_COLUMNS = 'id, app_id, label, token_hash, created_at, revoked_at';

/** `createToken` of the port, as one write task. */
export function createToken(
  statements: StatementCache,
  input: { id: string; appId: string; tokenHash: string; label?: string | null },
  now: Date,
): ApiToken {
  if (!loadApp(statements, input.appId)) throw errors.notFound('app', input.appId);
  if (statements.row('SELECT 1 FROM api_tokens WHERE token_hash = ?', input.tokenHash)) {
    throw errors.conflict('a token with this hash exists');
  }
  const token = buildApiToken(input, now.toISOString());
  statements.run(
    `INSERT INTO api_tokens (${TOKEN_COLUMNS}) VALUES (?, ?, ?, ?, ?, NULL)`,
    token.id,
    token.appId,
    token.label,
    token.tokenHash,
    token.createdAt,
  );
  return token;
}

/** The unrevoked token with this hash, or null. */
export function findToken(statements: StatementCache, tokenHash: string): ApiToken | null {
  const row = statements.row<TokenRow>(
    `SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL`,
    tokenHash,
  );
  return row ? tokenFromRow(row) : null;
}

/** An app's tokens (revoked ones included), oldest first. */
export function listTokens(statements: StatementCache, appId: string): ApiToken[] {
  return statements
    .rows<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE app_id = ? ORDER BY rowid`, appId)
    .map(tokenFromRow);
}

/** `revokeToken` of the port, as one write task. */
export function revokeToken(statements: StatementCache, tokenId: string, now: Date): boolean {
  return (
    statements.run(
      'UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL',
      now.toISOString(),
      tokenId,
    ) > 0
  );
}

/** `putFile` of the port, as one write task; `data` must already be a private copy. */
export function putFile(statements: StatementCache, input: NewFile & { data: Buffer }, now: Date): FileRecord {
  if (statements.row('SELECT 1 FROM files WHERE token = ?', input.token)) throw errors.conflict('file token exists');
  const file = buildFileRecord(input, now.toISOString());
  const expiresAtMs = Date.parse(file.expiresAt);
  statements.run(
    `INSERT INTO files (${FILE_COLUMNS}, expires_at_ms, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
  );
  return file;
}

/** `getFile` of the port. */
export function getFile(
  statements: StatementCache,
  appId: string,
  token: string,
  now: Date,
): { file: FileRecord; data: Uint8Array } | null {
  const row = statements.row<FileRow & { data: Buffer }>(
    `SELECT ${FILE_COLUMNS}, data FROM files WHERE token = ?`,
    token,
  );
  if (!row || row.app_id !== appId || Date.parse(row.expires_at) <= now.getTime()) return null;
  // A plain Uint8Array of its own: the caller may keep or mutate it.
  return { file: fileFromRow(row), data: new Uint8Array(row.data) };
}

/** `deleteExpiredFiles` of the port, as one write task. */
export function deleteExpiredFiles(statements: StatementCache, now: Date): number {
  return statements.run('DELETE FROM files WHERE expires_at_ms <= ?', now.getTime());
}
