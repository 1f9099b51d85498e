import { dirname, join } from 'node:path';
import { runStoreConformance } from '@confab/store-conformance';
import type { SessionStore } from 'confab/store';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from './index.js';
import { LATEST_SCHEMA_VERSION } from './migrations.js';
import { temporaryDatabase } from './test-fixtures/temporary-database.js';

const removers = new WeakMap<SessionStore, () => void>();

runStoreConformance({
  name: 'sqlite',
  createStore: ({ now } = {}) => {
    const database = temporaryDatabase();
    const store = new SqliteStore({ filename: database.filename, now });
    removers.set(store, database.remove);
    return store;
  },
  destroyStore: async (store) => {
    await store.close();
    removers.get(store)?.();
  },
});

// A private in-memory database has no second connection: reads take the single-connection path.
runStoreConformance({
  name: 'sqlite (in memory)',
  createStore: ({ now } = {}) => new SqliteStore({ filename: ':memory:', now }),
  destroyStore: (store) => store.close(),
});

describe('SqliteStore options', () => {
  it('creates missing directories of the file', async () => {
    const database = temporaryDatabase();
    try {
      const store = new SqliteStore({ filename: join(dirname(database.filename), 'nested', 'deeper', 'confab.db') });
      expect(await store.migrate()).toEqual({ version: LATEST_SCHEMA_VERSION });
      expect(store.kind).toBe('sqlite');
      await store.close();
    } finally {
      database.remove();
    }
  });

  it('refuses bad options with invalid_argument', () => {
    expect(() => new SqliteStore({ filename: ':memory:', synchronous: 'SOMETIMES' as never })).toThrow(
      expect.objectContaining({ code: 'invalid_argument' }),
    );
    expect(() => new SqliteStore({ filename: ':memory:', busyTimeoutMs: -1 })).toThrow(
      expect.objectContaining({ code: 'invalid_argument' }),
    );
  });

  it('reports schema version 0 before migrate, and a clear error for work before it', async () => {
    const store = new SqliteStore({ filename: ':memory:' });
    expect(await store.schemaVersion()).toBe(0);
    await expect(store.getSession('ses_any')).rejects.toMatchObject({ code: 'failed_precondition' });
    await expect(store.createSession({ appId: 'app' })).rejects.toMatchObject({ code: 'failed_precondition' });
    await store.close();
  });
});
