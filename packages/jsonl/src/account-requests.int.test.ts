import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { JsonlStore, jsonlAccountsOfRunningStore } from './index.js';

let directory: string;
afterEach(async () => {
  if (directory) await rm(directory, { recursive: true, force: true });
});

const quiet = { warn: () => {} };

it('another process changes apps and tokens of a store held open, through request files', async () => {
  directory = await mkdtemp(join(tmpdir(), 'confab-jsonl-requests-'));
  const holder = new JsonlStore({ directory, logger: quiet });
  await holder.migrate();
  const remote = jsonlAccountsOfRunningStore(directory);
  await remote.createApp({ id: 'app', name: 'App' });
  const token = await remote.createToken({ id: 'tok_1', appId: 'app', tokenHash: 'a'.repeat(64), label: 'x' });
  expect(await holder.findToken('a'.repeat(64))).toEqual(token);
  await expect(remote.createToken({ id: 'tok_2', appId: 'missing', tokenHash: 'b'.repeat(64) })).rejects.toMatchObject({
    code: 'not_found',
  });
  expect(await remote.revokeToken('tok_1')).toBe(true);
  expect(await holder.findToken('a'.repeat(64))).toBeNull();
  expect((await remote.listTokens('app'))[0]?.revokedAt).not.toBeNull();
  await holder.close();
  // Every request was answered and every answer collected.
  expect(await readdir(join(directory, 'requests'))).toEqual([]);
  await expect(jsonlAccountsOfRunningStore(directory, { timeoutMs: 200 }).listApps()).rejects.toMatchObject({
    code: 'unavailable',
  });
  expect(await readdir(join(directory, 'requests'))).toEqual([]);
});

it('a request left while no process held the store is applied once when it opens; an answered one is not re-applied', async () => {
  directory = await mkdtemp(join(tmpdir(), 'confab-jsonl-requests-'));
  const first = new JsonlStore({ directory, logger: quiet });
  await first.createApp({ id: 'app', name: 'App' });
  await first.createToken({ id: 'tok_1', appId: 'app', tokenHash: 'a'.repeat(64) });
  await first.close();
  const requests = join(directory, 'requests');
  await mkdir(requests, { recursive: true });
  await writeFile(join(requests, 'r1.request.json'), JSON.stringify({ op: 'revokeToken', tokenId: 'tok_1' }));
  // Answered before a crash removed it: must only be removed (applying would create a token).
  await writeFile(
    join(requests, 'r2.request.json'),
    JSON.stringify({ op: 'createToken', input: { id: 'tok_2', appId: 'app', tokenHash: 'c'.repeat(64) } }),
  );
  await writeFile(join(requests, 'r2.result.json'), JSON.stringify({ ok: true, value: null }));
  const second = new JsonlStore({ directory, logger: quiet });
  expect(await second.findToken('a'.repeat(64))).toBeNull();
  expect((await second.listTokens('app')).map((entry) => entry.id)).toEqual(['tok_1']);
  expect((await readdir(requests)).sort()).toEqual(['r1.result.json', 'r2.result.json']);
  await second.close();
});
