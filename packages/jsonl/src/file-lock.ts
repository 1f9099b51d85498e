import { createRequire } from 'node:module';
import { errors } from 'confab';

/** The part of `fs-native-extensions` the store uses. */
interface NativeFileLocks {
  tryLock(fd: number, offset?: number, length?: number, options?: { shared?: boolean }): boolean;
}

let native: NativeFileLocks | undefined;

/**
 * Takes an exclusive advisory lock on the whole file open as `fd`, without waiting: true when
 * taken, false when another open file description holds it. The lock belongs to this open of the
 * file (an open file description lock on Linux, `flock` on macOS, `LockFileEx` on Windows), so the
 * operating system drops it when the descriptor is closed or its process dies, however it dies; a
 * second open of the same file, in this process or another on the same machine, is refused while it
 * is held. Fails `unavailable` on a platform the native addon has no build for.
 */
export function tryLockFile(fd: number): boolean {
  return nativeLocks().tryLock(fd);
}

function nativeLocks(): NativeFileLocks {
  if (!native) {
    try {
      // A CommonJS addon with its prebuilt binaries inside the package: nothing is compiled at install.
      native = createRequire(import.meta.url)('fs-native-extensions') as NativeFileLocks;
    } catch (error) {
      throw errors.unavailable(
        `the jsonl store needs an operating-system file lock, which fs-native-extensions does not provide on ${process.platform}-${process.arch}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  return native;
}
