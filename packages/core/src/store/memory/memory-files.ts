import { errors } from '../../errors.js';
import type { FileRecord, NewFile } from '../../model/records.js';
import { buildFileRecord } from '../kit/session-record.js';

/** A stored file: its record and its bytes. */
export interface MemoryFile {
  file: FileRecord;
  data: Uint8Array;
}

/** The files of `MemoryStore`, by token. Bytes are copied on the way in and out: no caller shares the stored buffer. */
export class MemoryFiles {
  private readonly byToken = new Map<string, MemoryFile>();

  /** Stores a file; `conflict` when its token is taken (before `at` is read). Returns the store's own record. */
  put(input: NewFile, at: () => string): FileRecord {
    if (this.byToken.has(input.token)) throw errors.conflict('file token exists');
    const file = buildFileRecord(input, at());
    this.byToken.set(file.token, { file, data: new Uint8Array(input.data) });
    return file;
  }

  /** The file when it exists, belongs to `appId` and has not expired at `now`; the record is the store's own. */
  get(appId: string, token: string, now: Date): MemoryFile | null {
    const entry = this.byToken.get(token);
    if (!entry || entry.file.appId !== appId || Date.parse(entry.file.expiresAt) <= now.getTime()) return null;
    return { file: entry.file, data: new Uint8Array(entry.data) };
  }

  /** Deletes files expired at `now`; returns how many. */
  deleteExpired(now: Date): number {
    let deleted = 0;
    for (const [token, entry] of this.byToken) {
      if (Date.parse(entry.file.expiresAt) <= now.getTime()) {
        this.byToken.delete(token);
        deleted++;
      }
    }
    return deleted;
  }

  /** Deletes the files of a deleted session. */
  deleteOf(sessionId: string): void {
    for (const [token, entry] of this.byToken) if (entry.file.sessionId === sessionId) this.byToken.delete(token);
  }
}
