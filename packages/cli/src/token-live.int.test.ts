/**
 * `confab token create|ls|revoke` while `confab serve` holds the store, on every file store: the
 * JSONL store is single-process, so the commands reach it through its request files (issue 15,
 * item 4: revoking must not need downtime).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StartedServer, startServe } from './test-support/cli-process.js';
import { runInProcess } from './test-support/in-process.js';

describe.each([
  ['jsonl', 'jsonl:./store'],
  ['sqlite', 'sqlite:./server.db'],
])('token commands while the server runs (%s)', (_kind, spec) => {
  const directory = mkdtempSync(join(tmpdir(), 'confab-cli-token-live-'));
  const store = ['--store', spec];
  let server: StartedServer;

  beforeAll(async () => {
    server = await startServe(store, directory);
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  const status = async (token: string) =>
    (await fetch(`${server.url}/v1/sessions`, { headers: { authorization: `Bearer ${token}` } })).status;

  it('creates a token the running server accepts at once, lists it and revokes it (then 401)', async () => {
    const created = await runInProcess(['token', 'create', '--app', 'team-b', '--label', 'live', '--json', ...store], {
      cwd: directory,
    });
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const { id, token } = JSON.parse(created.stdout) as { id: string; token: string };
    expect(await status(token)).toBe(200);

    const listed = await runInProcess(['token', 'ls', '--app', 'team-b', '--json', ...store], { cwd: directory });
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.stdout) as Array<{ id: string }>).map((entry) => entry.id)).toEqual([id]);

    const revoked = await runInProcess(['token', 'revoke', id, ...store], { cwd: directory });
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`revoked token ${id}`);
    expect(await status(token)).toBe(401);
    // The server's own token is untouched.
    expect(await status(server.token)).toBe(200);

    const unknown = await runInProcess(['token', 'revoke', 'tok_unknown', ...store], { cwd: directory });
    expect(unknown.code).toBe(1);
  });
});
