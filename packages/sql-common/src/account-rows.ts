import type { ApiToken, App, FileRecord } from 'confab';

/* Rows of the account tables (apps, API tokens, files) and their conversions to records. */

/** An `apps` row. */
export interface AppRow {
  id: string;
  name: string;
  created_at: string;
}

/** The app stored in `row`. */
export function appFromRow(row: AppRow): App {
  return { id: row.id, name: row.name, createdAt: row.created_at };
}

/** An `api_tokens` row. */
export interface TokenRow {
  id: string;
  app_id: string;
  label: string | null;
  token_hash: string;
  created_at: string;
  revoked_at: string | null;
}

/** The token stored in `row`. */
export function tokenFromRow(row: TokenRow): ApiToken {
  return {
    id: row.id,
    appId: row.app_id,
    label: row.label,
    tokenHash: row.token_hash,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}

/** The columns of `files` without the bytes. */
export const FILE_COLUMNS = 'token, app_id, session_id, name, media_type, size, created_at, expires_at';

/** A `files` row without the bytes. */
export interface FileRow {
  token: string;
  app_id: string;
  session_id: string | null;
  name: string | null;
  media_type: string;
  size: number;
  created_at: string;
  expires_at: string;
}

/** The file record stored in `row`. */
export function fileFromRow(row: FileRow): FileRecord {
  return {
    token: row.token,
    appId: row.app_id,
    sessionId: row.session_id,
    name: row.name,
    mediaType: row.media_type,
    size: row.size,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}
