import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore } from './index.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations.js';
import { tablesIn } from './tables.js';
import { createTestDatabase, randomSchema, type TestDatabase } from './test-fixtures/test-database.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

/*
 * Schema version 2 moved a file's bytes into chunk rows. A schema of version 1 must migrate with
 * its files readable, and the chunks of new files must go with their file and with a failed upload.
 */
describe('PostgreSQL file chunks', () => {
  it('a version 1 schema keeps its inline file bytes readable; chunks go with their file', async () => {
    const schema = randomSchema();
    const t = tablesIn(schema);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA ${t.schema}`);
      await client.query(
        `CREATE TABLE ${t.migrations} (version integer PRIMARY KEY, name text NOT NULL, applied_at text NOT NULL)`,
      );
      await client.query(MIGRATIONS[0]?.sql(t) ?? '');
      await client.query(`INSERT INTO ${t.migrations} VALUES (1, 'initial schema', '2026-01-01T00:00:00.000Z')`);
      const expiresAt = new Date(Date.now() + 60_000).toISOString();
      await client.query(
        `INSERT INTO ${t.files} (token, app_id, session_id, name, media_type, size, created_at, expires_at, expires_at_ms, data)
         VALUES ('file_old', 'app', NULL, 'old.bin', 'application/octet-stream', 4, '2026-01-01T00:00:00.000Z', $1, $2, $3)`,
        [expiresAt, Date.parse(expiresAt), Buffer.from([9, 8, 7, 6])],
      );

      const store = new PostgresStore({ connectionString: database.url, schema });
      try {
        expect(await store.migrate()).toEqual({ version: LATEST_SCHEMA_VERSION });
        const read = await store.getFile('app', 'file_old');
        expect(read?.file).toMatchObject({ token: 'file_old', size: 4, name: 'old.bin' });
        expect(Array.from(read?.data ?? [])).toEqual([9, 8, 7, 6]);
        const big = new Uint8Array(2.5 * 1024 * 1024).fill(3);
        await store.putFile({ token: 'file_new', appId: 'app', mediaType: 'a/b', data: big, expiresAt });
        async function* tooMuch() {
          yield big;
          yield big;
        }
        await expect(
          store.putFile({
            token: 'file_big',
            appId: 'app',
            mediaType: 'a/b',
            data: tooMuch(),
            maxBytes: 3 << 20,
            expiresAt,
          }),
        ).rejects.toMatchObject({ code: 'payload_too_large' });
        expect(Buffer.from((await store.getFile('app', 'file_new'))?.data ?? []).equals(Buffer.from(big))).toBe(true);
      } finally {
        await store.close();
      }
      const chunks = async () =>
        (await client.query(`SELECT token, count(*)::int AS n FROM ${t.fileChunks} GROUP BY token`)).rows;
      // Three chunks of the stored file; none of the refused one, and no row for it.
      expect(await chunks()).toEqual([{ token: 'file_new', n: 3 }]);
      expect((await client.query(`SELECT 1 FROM ${t.files} WHERE token = 'file_big'`)).rowCount).toBe(0);
      await client.query(`DELETE FROM ${t.files} WHERE token = 'file_new'`);
      expect(await chunks()).toEqual([]);
    } finally {
      await client.end();
    }
  });
});
