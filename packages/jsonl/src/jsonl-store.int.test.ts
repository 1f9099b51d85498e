import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStoreConformance } from '@confab/store-conformance';
import type { SessionStore } from 'confab/store';
import { JsonlStore } from './index.js';

const directories = new WeakMap<SessionStore, string>();

runStoreConformance({
  name: 'jsonl',
  createStore: async ({ now } = {}) => {
    const directory = await mkdtemp(join(tmpdir(), 'confab-jsonl-conformance-'));
    const store = new JsonlStore({ directory, now, logger: { warn: () => {} } });
    directories.set(store, directory);
    return store;
  },
  destroyStore: async (store) => {
    await store.close();
    const directory = directories.get(store);
    if (directory) await rm(directory, { recursive: true, force: true });
  },
});
