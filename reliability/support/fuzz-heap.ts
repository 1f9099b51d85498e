import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * The garbage collector as a function, without `--expose-gc` on the command line: the flag is
 * set at run time and a fresh context picks up the `gc` global it creates. This keeps the
 * reliability config unchanged.
 */
function exposeGc(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

const gc = exposeGc();

/**
 * The heap in use after full collections, in bytes. Several rounds with a pause between them, so
 * objects freed by finalizers and pending promise callbacks of the previous round go too; the
 * reading is then the live set, not whatever garbage the last requests left.
 */
export async function settledHeapBytes(): Promise<number> {
  for (let round = 0; round < 4; round++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  gc();
  return process.memoryUsage().heapUsed;
}

/** Bytes as MiB with one decimal, for the summary. */
export function mebibytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
