import { errors } from '../../errors.js';
import type { FileRecord, NewFile } from '../../model/records.js';
import { readFileData } from '../kit/file-data.js';
import { buildFileRecord } from '../kit/session-record.js';

/** A stored file: its record and its bytes. */
export interface MemoryFile {
  file: FileRecord;
  data: Uint8Array;
}

/** The files of `MemoryStore`, by token. Bytes are copied on the way in and out: no caller shares the stored buffer. */
export class MemoryFiles {
  private readonly byToken = new Map<string, MemoryFile>();
  /** Tokens whose data is being read: taken, but not visible until stored. */
  private readonly storing = new Set<string>();

  /**
   * Stores a file once all its data arrived; `conflict` when its token is taken (before reading any
   * data). Nothing is kept when the data is over `maxBytes` or its source fails. Returns the store's
   * own record.
   */
  async put(input: NewFile, at: () => string): Promise<FileRecord> {
    if (this.byToken.has(input.token) || this.storing.has(input.token)) throw errors.conflict('file token exists');
    const { data: source, ...fields } = input;
    buildFileRecord(fields, '', 0);
    this.storing.add(input.token);
    try {
      const data = await readFileData(source, input.maxBytes);
      const file = buildFileRecord(fields, at(), data.byteLength);
      this.byToken.set(file.token, { file, data });
      return file;
    } finally {
      this.storing.delete(input.token);
    }
  }

  /** The file when it exists, belongs to `appId` and has not expired at `now`; the record is the store's own. */
  get(appId: string, token: string, now: Date): MemoryFile | null {
    const entry = this.record(appId, token, now);
    return entry ? { file: entry.file, data: new Uint8Array(entry.data) } : null;
  }

  /** Like {@link get} without copying the bytes. */
  record(appId: string, token: string, now: Date): MemoryFile | null {
    const entry = this.byToken.get(token);
    if (!entry || entry.file.appId !== appId || Date.parse(entry.file.expiresAt) <= now.getTime()) return null;
    return entry;
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
