import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { SqliteStore } from './index.js';

let root: string | undefined;
afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);

it('creates the database, its WAL and shared-memory files 0600 and its directory 0700', async () => {
  const previous = process.umask(0o022);
  try {
    root = mkdtempSync(join(tmpdir(), 'confab-sqlite-modes-'));
    const filename = join(root, 'data', 'confab.db');
    const store = new SqliteStore({ filename });
    await store.migrate();
    const { session } = await store.createSession({ appId: 'app', meta: { secret: 'tenant data' } });
    await store.enqueueInput(session.id, { text: 'hello' });
    expect({
      directory: modeOf(join(root, 'data')),
      database: modeOf(filename),
      wal: modeOf(`${filename}-wal`),
      shm: modeOf(`${filename}-shm`),
    }).toEqual({ directory: '700', database: '600', wal: '600', shm: '600' });
    await store.close();
  } finally {
    process.umask(previous);
  }
});
