import type { FileRecord, NewFile } from '../../model/records.js';

/**
 * The file part of the store port: uploads referenced from turn inputs by token. Part of
 * {@link SessionStore}; every adapter implements it and passes the conformance suite's file specs.
 */
export interface FileStorage {
  /**
   * Stores a file: reads `input.data` to its end, writing it as it arrives, so a streamed upload is
   * never held whole in memory by a store that keeps files outside it. The file becomes visible
   * (to `getFile` and `getFileRecord`) only once all of it is stored.
   * - `conflict` when the token is taken, before any data is read.
   * - More than `input.maxBytes` bytes → `payload_too_large` as soon as they arrive.
   * - Either failure, an error thrown by the data source (a `ConfabError` is rethrown as it is) or
   *   a failure of the store leaves nothing of the file behind: the token can be stored again.
   * Returns the record, `size` being the bytes stored.
   */
  putFile(input: NewFile): Promise<FileRecord>;
  /** The file and its bytes when it exists, belongs to `appId` and has not expired at `now`; else null. */
  getFile(appId: string, token: string, now?: Date): Promise<{ file: FileRecord; data: Uint8Array } | null>;
  /** Like {@link getFile} without reading the bytes (e.g. to check a turn's files and their sizes). */
  getFileRecord(appId: string, token: string, now?: Date): Promise<FileRecord | null>;
  /**
   * Deletes files expired at `now`; returns how many. Also removes what a process that died while
   * storing a file left behind, once that file's expiry has passed.
   */
  deleteExpiredFiles(now?: Date): Promise<number>;
}
