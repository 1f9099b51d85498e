import { createHash } from 'node:crypto';
import { join } from 'node:path';

/*
 * Where everything lives under the store directory:
 *
 *   store.json                      schema version
 *   store.lock                      OS-locked while a store has the directory open; names its pid
 *   apps.json, tokens.json          apps and hashed tokens (small, rewritten atomically)
 *   sessions/<name>.jsonl           the session's own events, one JSON object per line
 *   sessions/<name>.side.jsonl      its snapshots (with state) and consumed inputs, append-only
 *   sessions/<name>.meta.json       its record, lease, fencing counter, live input queue (atomic)
 *   sessions/<name>.deleted.json    a hard delete that committed but has files left to remove
 *   snapshots/<name>.json           which session a snapshot id belongs to
 *   files/<name>.json, <name>.bin   an uploaded file's record and bytes
 *   requests/<uuid>.request.json    an app or token change asked by another process (and .result.json)
 */

/** Longest encoded name kept verbatim; longer ones are shortened with a hash. */
const MAXIMUM_NAME_LENGTH = 120;

/**
 * A filesystem-safe, collision-free file name for an id. Lowercase letters, digits, `_` and `-` pass
 * through; every other byte becomes `~xx` (hex), so ids that differ only in case stay distinct on
 * case-insensitive filesystems. Names never contain `.`, which separates them from their suffix.
 */
export function safeName(id: string): string {
  let encoded = '';
  for (const byte of Buffer.from(id, 'utf8')) {
    const isPlain = (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x30 && byte <= 0x39) || byte === 0x5f || byte === 0x2d;
    encoded += isPlain ? String.fromCharCode(byte) : `~${byte.toString(16).padStart(2, '0')}`;
  }
  // A lone `~` is never produced by the encoding above, so it can stand for the empty id.
  if (encoded === '') return '~';
  if (encoded.length <= MAXIMUM_NAME_LENGTH) return encoded;
  const digest = createHash('sha256').update(id, 'utf8').digest('hex').slice(0, 40);
  // `~~` never occurs in an encoding (every `~` is followed by two hex digits): no clash possible.
  return `${encoded.slice(0, 64)}~~${digest}`;
}

/** The paths of one store directory. */
export class StoreLayout {
  readonly sessionsDirectory: string;
  readonly snapshotsDirectory: string;
  readonly filesDirectory: string;
  /** Account requests from other processes and their results (see `account-requests.ts`). */
  readonly requestsDirectory: string;
  readonly storeFile: string;
  readonly lockFile: string;
  readonly appsFile: string;
  readonly tokensFile: string;

  constructor(readonly root: string) {
    this.sessionsDirectory = join(root, 'sessions');
    this.snapshotsDirectory = join(root, 'snapshots');
    this.filesDirectory = join(root, 'files');
    this.requestsDirectory = join(root, 'requests');
    this.storeFile = join(root, 'store.json');
    this.lockFile = join(root, 'store.lock');
    this.appsFile = join(root, 'apps.json');
    this.tokensFile = join(root, 'tokens.json');
  }

  /** Every directory the store writes into. */
  get directories(): string[] {
    return [this.root, this.sessionsDirectory, this.snapshotsDirectory, this.filesDirectory, this.requestsDirectory];
  }

  /** The session's own events, one JSON object per line. */
  eventsFile(sessionId: string): string {
    return join(this.sessionsDirectory, `${safeName(sessionId)}.jsonl`);
  }

  /** The session's snapshots and consumed inputs. */
  sideFile(sessionId: string): string {
    return join(this.sessionsDirectory, `${safeName(sessionId)}.side.jsonl`);
  }

  /** The session's committed state; replaced atomically. */
  metaFile(sessionId: string): string {
    return join(this.sessionsDirectory, `${safeName(sessionId)}.meta.json`);
  }

  /** The renamed meta of a hard-deleted session whose files are still being removed. */
  tombstoneFile(sessionId: string): string {
    return join(this.sessionsDirectory, `${safeName(sessionId)}.deleted.json`);
  }

  /** Names the session a snapshot id belongs to. */
  snapshotPointerFile(snapshotId: string): string {
    return join(this.snapshotsDirectory, `${safeName(snapshotId)}.json`);
  }

  /** An uploaded file's record; its presence commits the upload. */
  fileRecordFile(token: string): string {
    return join(this.filesDirectory, `${safeName(token)}.json`);
  }

  /** An uploaded file's bytes. */
  fileDataFile(token: string): string {
    return join(this.filesDirectory, `${safeName(token)}.bin`);
  }
}
