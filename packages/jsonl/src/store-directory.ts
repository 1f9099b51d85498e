import { constants } from 'node:fs';
import { type FileHandle, mkdir, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfabError, errors } from 'confab';
import { DATA_DIRECTORY_MODE, DATA_FILE_MODE, readJsonFile, removeFile, TEMPORARY_SUFFIX } from './atomic-file.js';
import { tryLockFile } from './file-lock.js';
import type { StoreLayout } from './store-layout.js';

/**
 * Creates the store's directories, removes temporary files that a crash left mid-write (their
 * targets were never replaced, so nothing is lost) and returns the recorded schema version.
 */
export async function prepareDirectory(layout: StoreLayout): Promise<number> {
  for (const directory of layout.directories) {
    await mkdir(directory, { recursive: true, mode: DATA_DIRECTORY_MODE });
    for (const name of await readdir(directory)) {
      if (name.startsWith('.') && name.endsWith(TEMPORARY_SUFFIX)) await removeFile(join(directory, name));
    }
  }
  const stored = (await readJsonFile(layout.storeFile)) as { version?: unknown } | undefined;
  return typeof stored?.version === 'number' ? stored.version : 0;
}

/** Any failure as a ConfabError: I/O failures are `unavailable`, anything unexpected `internal`. */
export function toConfabError(error: unknown): ConfabError {
  if (ConfabError.isInstance(error)) return error;
  const systemCode = (error as { code?: unknown } | null)?.code;
  if (typeof systemCode === 'string' && /^E[A-Z]+$/.test(systemCode)) {
    return errors.unavailable(`jsonl store I/O failed: ${(error as Error).message}`, { cause: error });
  }
  return ConfabError.from(error);
}

/**
 * Claims the directory for this store instance: `store.lock` is opened and locked with an
 * operating-system file lock ({@link tryLockFile}) held until the release, and names the holding
 * process for the message of whoever is refused. The pid in it is never trusted: the lock is free
 * exactly when no live open of the file holds it, so a holder killed with SIGKILL (reaped or not,
 * its pid reused or not, the next process having the same pid or not, as pid 1 in containers) frees
 * the directory at once. A store open in a live process, this one included, fails with
 * `failed_precondition`. It guards against opening one directory twice by mistake; it is not a lock
 * to coordinate several writers with. Returns the release.
 */
export async function lockDirectory(layout: StoreLayout): Promise<() => Promise<void>> {
  const handle = await open(layout.lockFile, constants.O_RDWR | constants.O_CREAT, DATA_FILE_MODE);
  let locked: boolean;
  try {
    locked = tryLockFile(handle.fd);
  } catch (error) {
    await handle.close();
    throw error;
  }
  if (!locked) {
    const holder = await readHolder(handle);
    await handle.close();
    throw errors.failedPrecondition(
      `the jsonl store at ${layout.root} is open in ${holder === null ? 'another process' : `process ${holder}`} ` +
        `(${layout.lockFile}); it supports one process and one store instance at a time`,
      // The CLI's account commands fall back to request files on this reason.
      { details: { reason: 'store_in_use' } },
    );
  }
  try {
    await handle.truncate(0);
    await handle.write(JSON.stringify({ pid: process.pid }), 0);
  } catch (error) {
    await handle.close();
    throw error;
  }
  // The file stays: removing it would let a later opener lock a new file while someone still holds
  // the old one. Closing the descriptor is what releases the lock.
  return async () => {
    try {
      await handle.truncate(0);
    } finally {
      await handle.close();
    }
  };
}

/** The pid the lock's holder wrote, or null while it has written none yet (or after it released). */
async function readHolder(handle: FileHandle): Promise<number | null> {
  try {
    const { pid } = JSON.parse(await handle.readFile('utf8')) as { pid?: unknown };
    return typeof pid === 'number' ? pid : null;
  } catch {
    return null;
  }
}
