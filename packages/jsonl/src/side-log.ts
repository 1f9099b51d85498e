import type { QueuedInput, SnapshotWithState } from 'confab';
import { openForReading } from './atomic-file.js';
import type { WarningLogger } from './event-log.js';
import { forEachLine } from './line-reader.js';

/*
 * A session's side log (`<name>.side.jsonl`): what grows with the session besides its events —
 * its snapshots, with the state they captured, and its consumed inputs. Both are append-only; the
 * meta's `sideBytes` says how much of the file is committed, so an append writes its side lines
 * first and they count only once the meta names them.
 */

/** One line of a side log. */
export type SideEntry = { kind: 'snapshot'; snapshot: SnapshotWithState } | { kind: 'input'; input: QueuedInput };

/** The lines (with newlines) that store `entries`. */
export function encodeSideEntries(entries: SideEntry[]): Buffer {
  return Buffer.from(entries.map((entry) => `${JSON.stringify(entry)}\n`).join(''), 'utf8');
}

function decodeSideEntry(bytes: Buffer): SideEntry | null {
  try {
    const value = JSON.parse(bytes.toString('utf8')) as Partial<SideEntry> | null;
    if (value?.kind === 'snapshot' && typeof value.snapshot?.id === 'string') return value as SideEntry;
    if (value?.kind === 'input' && typeof value.input?.id === 'string') return value as SideEntry;
  } catch {
    // reported below as a corrupt line
  }
  return null;
}

/**
 * Visits the committed entries of a side log (its first `committedBytes` bytes) in order, until
 * `visit` returns false. Damaged lines are skipped with a warning.
 */
export async function forEachSideEntry(
  path: string,
  committedBytes: number,
  logger: WarningLogger,
  visit: (entry: SideEntry) => boolean | undefined,
): Promise<void> {
  if (committedBytes <= 0) return;
  const handle = await openForReading(path);
  if (!handle) {
    logger.warn(`jsonl store: side log ${path} is missing ${committedBytes} committed bytes`);
    return;
  }
  try {
    await forEachLine(handle, 0, (line) => {
      if (line.end > committedBytes) return false;
      if (line.bytes.byteLength === 0) return true;
      const entry = decodeSideEntry(line.bytes);
      if (!entry) {
        logger.warn(`jsonl store: skipped a corrupt line at byte ${line.start} of ${path}`);
        return true;
      }
      return visit(entry);
    });
  } finally {
    await handle.close();
  }
}

/** All committed entries of a side log, split by kind. */
export async function readSideLog(
  path: string,
  committedBytes: number,
  logger: WarningLogger,
): Promise<{ snapshots: SnapshotWithState[]; inputs: QueuedInput[] }> {
  const snapshots: SnapshotWithState[] = [];
  const inputs: QueuedInput[] = [];
  await forEachSideEntry(path, committedBytes, logger, (entry) => {
    if (entry.kind === 'snapshot') snapshots.push(entry.snapshot);
    else inputs.push(entry.input);
    return true;
  });
  return { snapshots, inputs };
}

/** The committed snapshot with this id in a side log, or null. */
export async function findSnapshot(
  path: string,
  committedBytes: number,
  logger: WarningLogger,
  snapshotId: string,
): Promise<SnapshotWithState | null> {
  let found: SnapshotWithState | null = null;
  await forEachSideEntry(path, committedBytes, logger, (entry) => {
    if (entry.kind !== 'snapshot' || entry.snapshot.id !== snapshotId) return true;
    found = entry.snapshot;
    return false;
  });
  return found;
}

/** The first committed consumed input in a side log that matches `predicate`, or null. */
export async function findConsumedInput(
  path: string,
  committedBytes: number,
  logger: WarningLogger,
  predicate: (input: QueuedInput) => boolean,
): Promise<QueuedInput | null> {
  let found: QueuedInput | null = null;
  await forEachSideEntry(path, committedBytes, logger, (entry) => {
    if (entry.kind !== 'input' || !predicate(entry.input)) return true;
    found = entry.input;
    return false;
  });
  return found;
}
