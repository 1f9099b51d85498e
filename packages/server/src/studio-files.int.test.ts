import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './test-support/harness.js';

/** The Studio's static files at /studio/ (DESIGN §10), with a stand-in for the built page. */
describe('Studio files', () => {
  let server: TestServer;
  let bare: TestServer;
  let directory: string;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'confab-studio-files-'));
    const root = join(directory, 'dist');
    mkdirSync(join(root, 'assets'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>Studio</title>');
    writeFileSync(join(root, 'assets', 'index-abc.js'), 'console.log(1)');
    writeFileSync(join(directory, 'secret.txt'), 'not for the web');
    server = await startTestServer({ app: { studio: { directory: root } } });
    bare = await startTestServer();
  });

  afterAll(async () => {
    await server.close();
    await bare.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const get = (target: TestServer, path: string) => fetch(`${target.url}${path}`, { redirect: 'manual' });

  it('redirects /studio to /studio/ so relative asset paths resolve', async () => {
    const response = await get(server, '/studio');
    expect(response.status).toBe(308);
    expect(response.headers.get('location')).toBe('/studio/');
  });

  it('serves the page without a token, uncached, with a same-origin-only policy', async () => {
    const response = await get(server, '/studio/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect(await response.text()).toContain('<title>Studio</title>');
  });

  it('serves hashed assets for good', async () => {
    const response = await get(server, '/studio/assets/index-abc.js');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(response.headers.get('cache-control')).toContain('immutable');
  });

  it('answers 404 with the error shape for missing files and paths outside the directory', async () => {
    for (const path of [
      '/studio/nope.js',
      '/studio/..%2fsecret.txt',
      '/studio/assets/..%2f..%2fsecret.txt',
      '/studio/%E0%A4%A',
    ]) {
      const response = await get(server, path);
      expect(response.status, path).toBe(404);
      expect((await response.json()).error.code, path).toBe('not_found');
    }
  });

  it('has no /studio when the app is created without it', async () => {
    const response = await get(bare, '/studio/');
    expect(response.status).toBe(404);
    expect((await response.json()).error.code).toBe('not_found');
  });

  it('leaves /v1 behind the token', async () => {
    expect((await get(server, '/v1/sessions')).status).toBe(401);
  });
});
