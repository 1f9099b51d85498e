import { type Durability, readJsonFile, writeFileAtomic } from './atomic-file.js';
import type { StoreLayout } from './store-layout.js';

/*
 * `snapshots/<name>.json` says which session a snapshot id belongs to, so `getSnapshot` (which has
 * no session id) finds the session whose side log holds the snapshot. A pointer is written before
 * the append that takes the snapshot commits, so it can outlive a crashed append: it is a hint,
 * and the owner's committed side log has the last word.
 */

/** Which session a snapshot id belongs to, if the snapshot committed. */
export interface SnapshotPointer {
  snapshotId: string;
  sessionId: string;
}

/** The pointer of a snapshot id, or null when there is none (or it is unreadable). */
export async function readSnapshotPointer(layout: StoreLayout, snapshotId: string): Promise<SnapshotPointer | null> {
  let value: unknown;
  try {
    value = await readJsonFile(layout.snapshotPointerFile(snapshotId));
  } catch (error) {
    // A pointer that does not parse can only be a torn write whose append never committed.
    if (error instanceof SyntaxError) return null;
    throw error;
  }
  const pointer = value as Partial<SnapshotPointer> | undefined;
  if (pointer?.snapshotId !== snapshotId || typeof pointer.sessionId !== 'string') return null;
  return { snapshotId, sessionId: pointer.sessionId };
}

/** Points a snapshot id at its session, durably. */
export async function writeSnapshotPointer(layout: StoreLayout, pointer: SnapshotPointer, durability: Durability) {
  const content: SnapshotPointer = { snapshotId: pointer.snapshotId, sessionId: pointer.sessionId };
  await writeFileAtomic(layout.snapshotPointerFile(pointer.snapshotId), JSON.stringify(content), durability);
}
