import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { DiskUsage } from './peer.js';

/**
 * Bytes of a SQLite database file and its `-wal` file. The `-shm` index is left out: it is a
 * memory-mapped scratch file of fixed small size that SQLite rebuilds, not stored data.
 */
export function sqliteBytesOnDisk(filename: string): DiskUsage {
  const database = sizeOf(filename);
  const wal = sizeOf(`${filename}-wal`);
  return { database, wal, total: database + wal };
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** The connection's `PRAGMA synchronous` by name, read back rather than assumed. */
export function synchronousMode(database: { pragma(source: string, options: { simple: true }): unknown }): string {
  const value = database.pragma('synchronous', { simple: true });
  return ['OFF', 'NORMAL', 'FULL', 'EXTRA'][Number(value)] ?? String(value);
}

/**
 * Bytes of the database file once its WAL is copied back into it (`wal_checkpoint(TRUNCATE)` from
 * a separate connection): what the stored data itself takes, without WAL frames not yet folded in.
 */
export function checkpointedDatabaseBytes(filename: string): number {
  const connection = new Database(filename);
  try {
    connection.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    connection.close();
  }
  return sizeOf(filename);
}
