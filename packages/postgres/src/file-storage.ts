import { FILE_COLUMNS, type FileRow, fileFromRow } from '@confab/sql-common';
import { ConfabError, type FileRecord, type NewFile } from 'confab';
import { buildFileRecord, fileChunks } from 'confab/store';
import type { SqlRunner } from './sql-runner.js';

/*
 * Files are stored in pieces: a `files` row (the record) and its bytes in `file_chunks` rows of at
 * most FILE_CHUNK_BYTES (bytea), each inserted by its own statement as the upload streams in, so
 * neither the server nor a long transaction holds a whole file (a slow client never keeps a
 * transaction, or a pooler's connection, open). The row is inserted first with `complete = false`,
 * which reserves the token, and readers see it only once the last statement completes it. A failed
 * upload deletes its row; the chunks go with any deleted row (ON DELETE CASCADE), and a row a
 * crashed process left incomplete expires like any file. Files stored before schema version 2 keep
 * their bytes in `files.data`; newer rows leave it empty.
 */

/** `putFile` of the port: reserves the token, streams the chunks, then makes the file visible. */
export async function putFile(sql: SqlRunner, input: NewFile, now: Date): Promise<FileRecord> {
  const { data, maxBytes, ...fields } = input;
  const file = buildFileRecord(fields, now.toISOString(), 0);
  const expiresAtMs = Date.parse(file.expiresAt);
  // A taken token is a unique violation, reported as conflict.
  await sql.run(
    `INSERT INTO ${sql.tables.files} (${FILE_COLUMNS}, expires_at_ms, data, complete)
       VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8, '\\x'::bytea, false)`,
    [
      file.token,
      file.appId,
      file.sessionId,
      file.name,
      file.mediaType,
      file.createdAt,
      file.expiresAt,
      // An unparseable expiry never expires, as in MemoryStore (NaN compares false).
      Number.isNaN(expiresAtMs) ? null : expiresAtMs,
    ],
  );
  try {
    let size = 0;
    let seq = 0;
    for await (const piece of fileChunks(data, { maxBytes })) {
      await sql.run(`INSERT INTO ${sql.tables.fileChunks} (token, seq, data) VALUES ($1, $2, $3)`, [
        file.token,
        seq++,
        Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength),
      ]);
      size += piece.byteLength;
    }
    await sql.run(`UPDATE ${sql.tables.files} SET size = $2, complete = true WHERE token = $1`, [file.token, size]);
    return { ...file, size };
  } catch (error) {
    // Nothing of a refused or broken-off upload stays; if even this fails, expiry removes the row.
    await sql
      .run(`DELETE FROM ${sql.tables.files} WHERE token = $1 AND NOT complete`, [file.token])
      .catch(() => undefined);
    throw error;
  }
}

/** `getFileRecord` of the port. */
export async function getFileRecord(
  sql: SqlRunner,
  appId: string,
  token: string,
  now: Date,
): Promise<FileRecord | null> {
  const row = await sql.row<FileRow>(
    `SELECT ${FILE_COLUMNS} FROM ${sql.tables.files} WHERE token = $1 AND app_id = $2 AND complete`,
    [token, appId],
  );
  if (!row || Date.parse(row.expires_at) <= now.getTime()) return null;
  return fileFromRow(row);
}

/**
 * `getFile` of the port: the record and its bytes (the old inline column, then the chunks in order),
 * read by one statement, so one snapshot. Another app's file is fetched as absent, without its bytes.
 */
export async function getFile(
  sql: SqlRunner,
  appId: string,
  token: string,
  now: Date,
): Promise<{ file: FileRecord; data: Uint8Array } | null> {
  const columns = FILE_COLUMNS.split(', ')
    .map((column) => `f.${column}`)
    .join(', ');
  const rows = await sql.rows<FileRow & { inline: Buffer; chunk: Buffer | null }>(
    `SELECT ${columns}, f.data AS inline, c.data AS chunk
     FROM ${sql.tables.files} f LEFT JOIN ${sql.tables.fileChunks} c ON c.token = f.token
     WHERE f.token = $1 AND f.app_id = $2 AND f.complete
     ORDER BY c.seq`,
    [token, appId],
  );
  const first = rows[0];
  if (!first || Date.parse(first.expires_at) <= now.getTime()) return null;
  const file = fileFromRow(first);
  // A plain Uint8Array of its own: the caller may keep or mutate it.
  const data = new Uint8Array(file.size);
  data.set(first.inline, 0);
  let offset = first.inline.byteLength;
  for (const row of rows) {
    if (!row.chunk) continue;
    data.set(row.chunk, offset);
    offset += row.chunk.byteLength;
  }
  if (offset !== file.size)
    throw new ConfabError('internal', `file ${token} has ${offset} bytes stored, not ${file.size}`);
  return { file, data };
}

/** `deleteExpiredFiles` of the port (their chunks go with them by cascade). */
export async function deleteExpiredFiles(sql: SqlRunner, now: Date): Promise<number> {
  return sql.run(`DELETE FROM ${sql.tables.files} WHERE expires_at_ms <= $1`, [now.getTime()]);
}
