import { type AppRow, appFromRow, type TokenRow, tokenFromRow } from '@confab/sql-common';
import { type ApiToken, type App, errors } from 'confab';
import { buildApiToken, buildApp } from 'confab/store';
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
