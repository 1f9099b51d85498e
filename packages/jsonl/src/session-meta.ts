import type { Lease, QueuedInput, SessionRecord } from 'confab';

/** Version of the meta file's shape, written into every meta file. */
const META_FORMAT = 1;

/**
 * What a session's `<name>.meta.json` holds. Rewriting it atomically is the commit point of every
 * change to the session: what it says is the session's state, whatever else the files hold.
 */
export interface SessionMeta {
  record: SessionRecord;
  lease: Lease | null;
  /** The last fencing token issued for the session; the next lease gets a greater one. */
  leaseCounter: number;
  /**
   * Pending and claimed inputs, oldest first. Consumed inputs move to the side log, so the meta
   * (rewritten on every append) stays the same size however long the session gets.
   */
  inputs: QueuedInput[];
  /** Committed length of the side log; bytes past it are a crashed append's and are cut off. */
  sideBytes: number;
}

/** A fresh session's meta. */
export function initialMeta(record: SessionRecord): SessionMeta {
  return { record, lease: null, leaseCounter: 0, inputs: [], sideBytes: 0 };
}

/** The file content for `meta`. */
export function encodeMeta(meta: SessionMeta): string {
  // Fields are picked one by one: callers may pass a richer object (a loaded state).
  const { record, lease, leaseCounter, inputs, sideBytes } = meta;
  return JSON.stringify({ format: META_FORMAT, record, lease, leaseCounter, inputs, sideBytes });
}

/** Reads a meta file's parsed content; throws when it is not a meta file this version understands. */
export function decodeMeta(value: unknown): SessionMeta {
  if (typeof value !== 'object' || value === null) throw new Error('meta file is not an object');
  const candidate = value as Partial<SessionMeta> & { format?: unknown };
  if (candidate.format !== META_FORMAT) throw new Error(`unknown meta format ${String(candidate.format)}`);
  const { record, lease, leaseCounter, inputs, sideBytes } = candidate;
  if (typeof record !== 'object' || record === null || typeof record.id !== 'string') {
    throw new Error('meta file has no session record');
  }
  if (typeof leaseCounter !== 'number' || typeof sideBytes !== 'number' || !Array.isArray(inputs)) {
    throw new Error('meta file is missing fields');
  }
  return { record, lease: lease ?? null, leaseCounter, inputs, sideBytes };
}
