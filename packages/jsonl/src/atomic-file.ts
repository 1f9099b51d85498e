import { randomUUID } from 'node:crypto';
import { type FileHandle, open, readFile, rename, rm, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/*
 * Durable file primitives. Every "commit" in the store is either an fsync'd append or a rename of a
 * fully written and fsync'd temporary file, followed by an fsync of the directory so the rename
 * itself survives a power cut.
 */

/** Suffix of temporary files; a crash can leave them behind, and the store removes them on open. */
export const TEMPORARY_SUFFIX = '.tmp';

/** Whether to fsync; off only for tests and throwaway data. */
export interface Durability {
  fsync: boolean;
}

/** True for a Node system error with the given code (e.g. `ENOENT`). */
export function hasErrorCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

/**
 * Makes a directory's entries (new, renamed or removed files) durable. Platforms that cannot fsync
 * a directory (Windows) report an error we ignore: they persist entries with the data.
 */
export async function fsyncDirectory(directory: string, durability: Durability): Promise<void> {
  if (!durability.fsync) return;
  let handle: FileHandle | undefined;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch (error) {
    if (!['EISDIR', 'EPERM', 'EINVAL', 'EBADF', 'EACCES'].some((code) => hasErrorCode(error, code))) throw error;
  } finally {
    await handle?.close();
  }
}

async function writeAll(handle: FileHandle, data: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < data.byteLength) {
    const { bytesWritten } = await handle.write(data, offset, data.byteLength - offset);
    offset += bytesWritten;
  }
}

/** A temporary file in `path`'s directory, named so that the open-time sweep recognises it. */
function temporaryPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomUUID()}${TEMPORARY_SUFFIX}`);
}

/**
 * Writes a file that is built piece by piece (possibly larger than memory) and replaces `path`
 * with it atomically on `commit`: readers and a crash see either the old file or the whole new one.
 */
export interface AtomicWriter {
  /** Queues `data`; the promise settles once earlier data reached the file (writes never overlap). */
  write(data: Uint8Array): Promise<void>;
  /** Flushes, fsyncs, renames over the target and fsyncs the directory; returns the size written. */
  commit(): Promise<number>;
  /** Removes the temporary file; `path` is untouched. */
  abort(): Promise<void>;
}

/**
 * The mode of every file the store creates: owner read/write only. Sessions, tokens' hashes and
 * uploads are the tenants' data, so other local users must not read them (the umask may still
 * narrow it further, never widen it).
 */
export const DATA_FILE_MODE = 0o600;

/** The mode of every directory the store creates: owner only. */
export const DATA_DIRECTORY_MODE = 0o700;

/** Starts an {@link AtomicWriter} for `path`. */
export async function createAtomicWriter(path: string, durability: Durability): Promise<AtomicWriter> {
  const temporary = temporaryPathFor(path);
  const handle = await open(temporary, 'w', DATA_FILE_MODE);
  let size = 0;
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  // Writes to one handle must not overlap, so every flush waits for the one before it.
  let written: Promise<void> = Promise.resolve();
  const flush = (): Promise<void> => {
    if (pendingBytes === 0) return written;
    const data = Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    written = written.then(() => writeAll(handle, data));
    return written;
  };
  let closed = false;
  const closeHandle = async () => {
    if (closed) return;
    closed = true;
    await handle.close();
  };
  return {
    write(data) {
      pending.push(data);
      pendingBytes += data.byteLength;
      size += data.byteLength;
      // Batching small lines into large writes keeps a rewrite cheap in system calls.
      return pendingBytes >= 1 << 20 ? flush() : written;
    },
    async commit() {
      try {
        await flush();
        if (durability.fsync) await handle.sync();
        await closeHandle();
        await rename(temporary, path);
      } catch (error) {
        await closeHandle().catch(() => {});
        await rm(temporary, { force: true }).catch(() => {});
        throw error;
      }
      await fsyncDirectory(dirname(path), durability);
      return size;
    },
    async abort() {
      await closeHandle().catch(() => {});
      await rm(temporary, { force: true });
    },
  };
}

/** Replaces `path` with `data` atomically and durably (temp file, fsync, rename, fsync dir). */
export async function writeFileAtomic(path: string, data: string | Uint8Array, durability: Durability): Promise<void> {
  const writer = await createAtomicWriter(path, durability);
  try {
    await writer.write(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  } catch (error) {
    await writer.abort();
    throw error;
  }
  await writer.commit();
}

/**
 * Appends `data` at the end of `path` (created when missing) and fsyncs it before resolving.
 * `created` says the file may be new, so its directory entry is fsync'd too.
 */
export async function appendDurably(
  path: string,
  data: Uint8Array,
  durability: Durability,
  created: boolean,
): Promise<void> {
  const handle = await open(path, 'a', DATA_FILE_MODE);
  try {
    await writeAll(handle, data);
    if (durability.fsync) await handle.sync();
  } finally {
    await handle.close();
  }
  if (created) await fsyncDirectory(dirname(path), durability);
}

/** Cuts `path` down to `size` bytes and makes that durable; a missing file is left missing. */
export async function truncateDurably(path: string, size: number, durability: Durability): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r+');
  } catch (error) {
    if (hasErrorCode(error, 'ENOENT')) return;
    throw error;
  }
  try {
    await handle.truncate(size);
    if (durability.fsync) await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The parsed JSON content of `path`, or `undefined` when the file does not exist. */
export async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (hasErrorCode(error, 'ENOENT')) return undefined;
    throw error;
  }
  return JSON.parse(text) as unknown;
}

/** Removes `path`; true when it existed. */
export async function removeFile(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (error) {
    if (hasErrorCode(error, 'ENOENT')) return false;
    throw error;
  }
}

/** Opens `path` for reading, or returns null when it does not exist. */
export async function openForReading(path: string): Promise<FileHandle | null> {
  try {
    return await open(path, 'r');
  } catch (error) {
    if (hasErrorCode(error, 'ENOENT')) return null;
    throw error;
  }
}
