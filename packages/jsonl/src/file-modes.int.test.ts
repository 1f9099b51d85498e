import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { JsonlStore } from './index.js';

let root: string | undefined;
afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/** Every path under `directory` with its permission bits. */
async function modes(directory: string): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  for (const entry of await readdir(directory, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    found[path.slice(directory.length)] = ((await stat(path)).mode & 0o777).toString(8);
  }
  return found;
}

it('creates every data file 0600 and every directory 0700, whatever the umask lets through', async () => {
  const previous = process.umask(0o022);
  try {
    root = await mkdtemp(join(tmpdir(), 'confab-jsonl-modes-'));
    const directory = join(root, 'store');
    const store = new JsonlStore({ directory, logger: { warn: () => {} } });
    await store.migrate();
    await store.createApp({ id: 'app', name: 'App' });
    await store.createToken({ id: 'tok_1', appId: 'app', tokenHash: 'a'.repeat(64) });
    const { session } = await store.createSession({ appId: 'app', meta: { secret: 'tenant data' } });
    await store.enqueueInput(session.id, { text: 'hello' });
    const lease = await store.acquireLease(session.id, 'owner', 60_000);
    await store.appendEvents({
      sessionId: session.id,
      lease,
      events: [{ type: 'message', turn: 1, data: { messageId: 'm', role: 'assistant', text: 'hi' } }],
      snapshot: { id: 'snap_1' },
    });
    await store.putFile({
      token: 'file_1',
      appId: 'app',
      mediaType: 'text/plain',
      data: new Uint8Array([1, 2]),
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    });
    const seen = await modes(directory);
    await store.close();
    // store.lock only names the holding process (and is being replaced elsewhere): not data.
    const data = Object.entries(seen).filter(([path]) => !path.endsWith('store.lock'));
    expect(data.length).toBeGreaterThan(8);
    for (const [path, mode] of data) {
      const isDirectory = (await stat(join(directory, path)).catch(() => null))?.isDirectory();
      expect({ path, mode }).toEqual({ path, mode: isDirectory ? '700' : '600' });
    }
    expect(((await stat(directory)).mode & 0o777).toString(8)).toBe('700');
  } finally {
    process.umask(previous);
  }
});
