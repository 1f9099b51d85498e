import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { JsonlStore } from './index.js';
import type { SessionCatalog } from './session-catalog.js';

let directory: string | undefined;
afterEach(async () => {
  if (directory) await rm(directory, { recursive: true, force: true });
});

/** The store's catalog: what it keeps in memory (internal, read for this check only). */
const catalogOf = (store: JsonlStore) =>
  (store as unknown as { context: { catalog: SessionCatalog } }).context.catalog as unknown as {
    records: Map<string, object>;
    states: { size: number };
  };

it('keeps no session documents resident: an index without meta or state, and a cache bounded in bytes', async () => {
  directory = await mkdtemp(join(tmpdir(), 'confab-jsonl-resident-'));
  const big = 'm'.repeat(256 * 1024);
  const writer = new JsonlStore({ directory, fsync: false, logger: { warn: () => {} } });
  const ids: string[] = [];
  for (let index = 0; index < 48; index++) {
    const { session } = await writer.createSession({ appId: 'app', meta: { big, index }, state: { big } });
    ids.push(session.id);
  }
  await writer.close();

  const store = new JsonlStore({ directory, fsync: false, logger: { warn: () => {} } });
  // Every session used once (a sweep, a burst of traffic), each read whole.
  for (const id of ids) {
    await store.enqueueInput(id, { text: 'hi' });
    expect((await store.getSession(id))?.meta).toMatchObject({ big, index: ids.indexOf(id) });
  }
  const page = await store.listSessions({ appId: 'app', limit: 100 });
  expect(page.sessions).toHaveLength(48);
  expect(page.sessions.every((session) => session.meta.big === big && session.state.big === big)).toBe(true);
  const catalog = catalogOf(store);
  expect(catalog.records.size).toBe(48);
  for (const entry of catalog.records.values()) {
    expect(Object.keys(entry)).not.toContain('meta');
    expect(Object.keys(entry)).not.toContain('state');
  }
  // 48 metas of 512 KiB each (24 MiB) were loaded; at most 16 MiB of them stay cached.
  expect(catalog.states.size).toBeLessThanOrEqual(32);
  await store.close();
});
