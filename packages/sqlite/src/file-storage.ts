import { FILE_COLUMNS, type FileRow, fileFromRow } from '@confab/sql-common';
import { ConfabError, errors, type FileRecord, type NewFile } from 'confab';
import { buildFileRecord, fileChunks } from 'confab/store';
import type { StatementCache } from './connection.js';
import type { StorageEngine } from './storage-engine.js';

/*
 * Files are stored in pieces: a `files` row (the record) and its bytes in `file_chunks` rows of at
 * most FILE_CHUNK_BYTES, each written by its own small commit as the upload streams in, so neither
 * the store nor the write queue ever holds a whole file. The row is written first with
 * `complete = 0` (which reserves the token) and is invisible to readers until the last commit sets
 * `complete = 1`. A failed upload deletes its row; a trigger deletes the chunks of any deleted row
 * (expiry, session deletion), and a row a crashed process left incomplete expires like any file.
 * Files stored before schema version 4 keep their bytes in `files.data`; newer rows leave it empty.
 */

/** `putFile` of the port: reserves the token, streams the chunks, then makes the file visible. */
export async function putFile(engine: StorageEngine, input: NewFile): Promise<FileRecord> {
  const { data, maxBytes, ...fields } = input;
  // Checked before any data is read: text the database refuses fails the upload at once.
  buildFileRecord(fields, '', 0);
  const expiresAtMs = Date.parse(fields.expiresAt);
  const createdAt = await engine.write((statements, now) => {
    if (statements.row('SELECT 1 FROM files WHERE token = ?', fields.token)) throw errors.conflict('file token exists');
    const at = now.toISOString();
    statements.run(
      `INSERT INTO files (${FILE_COLUMNS}, expires_at_ms, data, complete) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, X'', 0)`,
      fields.token,
      fields.appId,
      fields.sessionId ?? null,
      fields.name ?? null,
      fields.mediaType,
      at,
      fields.expiresAt,
      // An unparseable expiry never expires, as in MemoryStore (NaN compares false).
      Number.isNaN(expiresAtMs) ? null : expiresAtMs,
    );
    return at;
  });
  try {
    let size = 0;
    let seq = 0;
    for await (const piece of fileChunks(data, { maxBytes })) {
      const index = seq++;
      await engine.write((statements) =>
        statements.run(
          'INSERT INTO file_chunks (token, seq, data) VALUES (?, ?, ?)',
          fields.token,
          index,
          Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength),
        ),
      );
      size += piece.byteLength;
    }
    await engine.write((statements) =>
      statements.run('UPDATE files SET size = ?, complete = 1 WHERE token = ?', size, fields.token),
    );
    return buildFileRecord(fields, createdAt, size);
  } catch (error) {
    // Nothing of a refused or broken-off upload stays; if even this fails, expiry removes the row.
    await engine
      .write((statements) => statements.run('DELETE FROM files WHERE token = ? AND complete = 0', fields.token))
      .catch(() => undefined);
    throw error;
  }
}

function findRow(statements: StatementCache, appId: string, token: string, now: Date): FileRow | null {
  const row = statements.row<FileRow>(`SELECT ${FILE_COLUMNS} FROM files WHERE token = ? AND complete = 1`, token);
  if (!row || row.app_id !== appId || Date.parse(row.expires_at) <= now.getTime()) return null;
  return row;
}

/** `getFileRecord` of the port. */
export function getFileRecord(statements: StatementCache, appId: string, token: string, now: Date): FileRecord | null {
  const row = findRow(statements, appId, token, now);
  return row ? fileFromRow(row) : null;
}

/** `getFile` of the port: the record and its bytes (the old inline column, then the chunks in order). */
export function getFile(
  statements: StatementCache,
  appId: string,
  token: string,
  now: Date,
): { file: FileRecord; data: Uint8Array } | null {
  const row = findRow(statements, appId, token, now);
  if (!row) return null;
  const file = fileFromRow(row);
  // A plain Uint8Array of its own: the caller may keep or mutate it.
  const data = new Uint8Array(file.size);
  let offset = 0;
  const inline = statements.row<{ data: Buffer }>('SELECT data FROM files WHERE token = ?', token);
  if (inline && inline.data.byteLength > 0) {
    data.set(inline.data, offset);
    offset += inline.data.byteLength;
  }
  for (const chunk of statements.rows<{ data: Buffer }>(
    'SELECT data FROM file_chunks WHERE token = ? ORDER BY seq',
    token,
  )) {
    data.set(chunk.data, offset);
    offset += chunk.data.byteLength;
  }
  if (offset !== file.size)
    throw new ConfabError('internal', `file ${token} has ${offset} bytes stored, not ${file.size}`);
  return { file, data };
}

/** `deleteExpiredFiles` of the port, as one write task (their chunks go with them by trigger). */
export function deleteExpiredFiles(statements: StatementCache, now: Date): number {
  return statements.run('DELETE FROM files WHERE expires_at_ms <= ?', now.getTime());
}
