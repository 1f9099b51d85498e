import { runStoreConformance } from '@confab/store-conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore } from './index.js';
import { LATEST_SCHEMA_VERSION } from './migrations.js';
import { createTestDatabase, randomSchema, type TestDatabase } from './test-fixtures/test-database.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

// Each test gets a schema of its own in this file's database: as isolated as a new database, faster.
runStoreConformance({
  name: 'postgres',
  createStore: ({ now } = {}) => new PostgresStore({ connectionString: database.url, schema: randomSchema(), now }),
  destroyStore: (store) => store.close(),
});

describe('PostgresStore options', () => {
  it('refuses bad options with invalid_argument', () => {
    const url = 'postgres://localhost/none';
    for (const options of [
      { connectionString: '' },
      { connectionString: url, poolSize: 0 },
      { connectionString: url, statementTimeoutMs: 1.5 },
      { connectionString: url, schema: 'bad-name' },
      { connectionString: url, schema: '1abc' },
    ]) {
      expect(() => new PostgresStore(options)).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    }
  });

  it('reports schema version 0 before migrate, and a clear error for work before it', async () => {
    const store = new PostgresStore({ connectionString: database.url, schema: randomSchema() });
    try {
      expect(store.kind).toBe('postgres');
      expect(await store.schemaVersion()).toBe(0);
      await expect(store.getSession('ses_any')).rejects.toMatchObject({ code: 'failed_precondition' });
      await expect(store.createSession({ appId: 'app' })).rejects.toMatchObject({ code: 'failed_precondition' });
      expect(await store.migrate()).toEqual({ version: LATEST_SCHEMA_VERSION });
    } finally {
      await store.close();
    }
  });

  it('fails with unavailable when the server cannot be reached', async () => {
    const store = new PostgresStore({
      connectionString: 'postgres://postgres@127.0.0.1:1/none',
      statementTimeoutMs: 2000,
    });
    try {
      await expect(store.getSession('ses_any')).rejects.toMatchObject({ code: 'unavailable' });
      await expect(store.migrate()).rejects.toMatchObject({ code: 'unavailable' });
    } finally {
      await store.close();
    }
  });
});
