import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A database path in a fresh temporary directory; `remove()` deletes the directory. */
export function temporaryDatabase(): { filename: string; remove: () => void } {
  const directory = mkdtempSync(join(tmpdir(), 'confab-sqlite-'));
  return {
    filename: join(directory, 'confab.db'),
    remove: () => rmSync(directory, { recursive: true, force: true }),
  };
}

const repositoryRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/**
 * Starts one of these fixtures as a separate Node process, with TypeScript loaded by tsx and
 * workspace packages resolved to their sources (the `confab-source` condition), like the tests themselves.
 */
export function spawnFixture(fixture: string, args: string[]) {
  const script = fileURLToPath(new URL(`./${fixture}`, import.meta.url));
  return spawn(process.execPath, ['--import', 'tsx/esm', '--conditions=confab-source', script, ...args], {
    cwd: repositoryRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
