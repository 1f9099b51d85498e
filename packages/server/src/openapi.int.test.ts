import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '@confab/sqlite';
import { serve as serveFetch } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from './app.js';
import { createToken } from './test-support/harness.js';

const directory = mkdtempSync(join(tmpdir(), 'confab-openapi-'));
const store = new SqliteStore({ filename: join(directory, 'confab.db') });
const api = createApp({ store, logger: false, metrics: false });
let listener: ReturnType<typeof serveFetch>;
let url = '';
let token = '';

beforeAll(async () => {
  await store.migrate();
  token = await createToken(store, 'app-a');
  // The API mounted in a parent application under /confab, served on a random port.
  const parent = new Hono();
  parent.route('/confab', api);
  parent.get('/', (context) => context.text('the parent app'));
  await new Promise<void>((resolve) => {
    listener = serveFetch({ fetch: parent.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
      url = `http://127.0.0.1:${info.port}`;
      resolve();
    });
  });
});

afterAll(async () => {
  await new Promise<void>((resolve) => listener.close(() => resolve()));
  await api.confab.shutdown();
  rmSync(directory, { recursive: true, force: true });
});

async function openApi(path: string): Promise<{ servers: Array<{ url: string }>; paths: Record<string, unknown> }> {
  const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as { servers: Array<{ url: string }>; paths: Record<string, unknown> };
}

describe('the OpenAPI document of a mounted API', () => {
  it('names the mount prefix in servers, so its paths resolve under the prefix', async () => {
    const document = await openApi('/confab/v1/openapi.json');
    expect(document.servers).toEqual([{ url: '/confab' }]);
    expect(Object.keys(document.paths)).toContain('/v1/sessions');
    const sessions = await fetch(`${url}${document.servers[0]?.url}/v1/sessions`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(sessions.status).toBe(200);
  });
});
