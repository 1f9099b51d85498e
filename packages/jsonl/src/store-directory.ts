import { randomUUID } from 'node:crypto';
import { link, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfabError, errors } from 'confab';
import { DATA_DIRECTORY_MODE, hasErrorCode, readJsonFile, removeFile, TEMPORARY_SUFFIX } from './atomic-file.js';
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
 * Claims the directory for this store instance through `store.lock`, which names the holding
 * process. A lock whose process is gone (a crash) is taken over; one held by a live process,
 * this one included, fails with `failed_precondition`. It guards against opening one directory
 * twice by mistake; it is not a lock to coordinate several writers with. Returns the release.
 */
export async function lockDirectory(layout: StoreLayout): Promise<() => Promise<void>> {
  const instance = randomUUID();
  const content = JSON.stringify({ pid: process.pid, instance });
  // The lock appears with its content in one step (a hard link), so nobody reads it half-written.
  const draft = join(layout.root, `.store.lock.${randomUUID()}${TEMPORARY_SUFFIX}`);
  await writeFile(draft, content);
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await link(draft, layout.lockFile);
        return async () => {
          const holder = (await readJsonFile(layout.lockFile).catch(() => undefined)) as
            | { instance?: unknown }
            | undefined;
          if (holder?.instance === instance) await removeFile(layout.lockFile);
        };
      } catch (error) {
        if (!hasErrorCode(error, 'EEXIST')) throw error;
      }
      const holder = (await readJsonFile(layout.lockFile).catch(() => undefined)) as { pid?: unknown } | undefined;
      if (typeof holder?.pid === 'number' && isProcessAlive(holder.pid)) {
        throw errors.failedPrecondition(
          `the jsonl store at ${layout.root} is open in process ${holder.pid} (${layout.lockFile}); ` +
            'it supports one process and one store instance at a time',
          { details: { reason: 'store_in_use' } },
        );
      }
      await removeFile(layout.lockFile);
    }
    throw errors.unavailable(`could not take the lock ${layout.lockFile}`);
  } finally {
    await removeFile(draft);
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return hasErrorCode(error, 'EPERM');
  }
}
