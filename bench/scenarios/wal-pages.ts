import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '@confab/sqlite';
import Database from 'better-sqlite3';
import { Pool } from 'confab';
import { instantModel } from './pool-turns.js';

/** What the `pool.chat` turns of one window wrote to SQLite's WAL, per turn. */
export interface WalPages {
  /** Conversation messages before the window. */
  messages: number;
  pageSize: number;
  /** Commits (WAL frames that end a transaction) per turn. */
  commitsPerTurn: number;
  /** WAL frames (one page each, plus a 24-byte header) per turn. */
  framesPerTurn: number;
  /** WAL bytes per turn: what the turns' commits appended to the WAL file (and fsync'd). */
  walBytesPerTurn: number;
  /** Frames per turn by the b-tree (table or index) the page belongs to, most first. */
  framesByTree: Record<string, number>;
}

const WAL_HEADER_BYTES = 32;
const FRAME_HEADER_BYTES = 24;

/**
 * Grows one conversation through `pool.chat` on a SQLite file to `messages`, then runs `turns`
 * more while a second connection holds a read transaction opened on the emptied WAL: no
 * checkpoint can reset the WAL meanwhile, so it keeps every frame the turns committed. The frames
 * are then read back from the WAL file and named by b-tree with the `dbstat` table.
 */
export async function walPages(messages: number, turns: number): Promise<WalPages> {
  const directory = mkdtempSync(join(tmpdir(), 'confab-bench-wal-'));
  const filename = join(directory, 'wal.db');
  const store = new SqliteStore({ filename });
  await store.migrate();
  const model = instantModel();
  const pool = new Pool({ store, defaultModel: 'instant', resolveModel: async () => model });
  const reader = new Database(filename);
  try {
    const { session } = await pool.createSession(null, {});
    const chat = async (text: string) => (await pool.chat(session.id, text)).result;
    for (let turn = 0; turn * 2 < messages; turn++) await chat(`hello ${turn}, how are you doing today?`);
    reader.pragma('wal_checkpoint(TRUNCATE)');
    const walBefore = statSync(`${filename}-wal`).size;
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM sessions').get();
    for (let turn = 0; turn < turns; turn++) await chat(`hello again ${turn}, how are you doing today?`);
    const wal = readFileSync(`${filename}-wal`);
    reader.exec('COMMIT');
    const pageSize = wal.readUInt32BE(8);
    const trees = new Map<number, string>();
    for (const row of reader.prepare('SELECT name, pageno FROM dbstat').all() as { name: string; pageno: number }[]) {
      trees.set(row.pageno, row.name);
    }
    const counts = new Map<string, number>();
    let frames = 0;
    let commits = 0;
    const frameBytes = FRAME_HEADER_BYTES + pageSize;
    for (let offset = Math.max(WAL_HEADER_BYTES, walBefore); offset + frameBytes <= wal.length; offset += frameBytes) {
      const tree = trees.get(wal.readUInt32BE(offset)) ?? 'other';
      counts.set(tree, (counts.get(tree) ?? 0) + 1);
      frames++;
      if (wal.readUInt32BE(offset + 4) !== 0) commits++;
    }
    const framesByTree = Object.fromEntries(
      [...counts].sort((a, b) => b[1] - a[1]).map(([tree, count]) => [tree, count / turns]),
    );
    return {
      messages,
      pageSize,
      commitsPerTurn: commits / turns,
      framesPerTurn: frames / turns,
      walBytesPerTurn: (frames * frameBytes) / turns,
      framesByTree,
    };
  } finally {
    reader.close();
    await pool.close();
    rmSync(directory, { recursive: true, force: true });
  }
}
