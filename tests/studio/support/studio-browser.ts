import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import {
  startTestServer,
  type TestServer,
  type TestServerOptions,
} from '../../../packages/server/src/test-support/harness.js';
import { launchChromium } from '../../support/chromium.js';

const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const studioRoot = join(repositoryRoot, 'packages', 'studio');

/** Where the Studio's browser tests save their screenshots (not committed). */
export const STUDIO_SCREENSHOTS = join(repositoryRoot, 'test-output', 'studio');

/** A Studio built from its sources, served by a real server, open in a Chromium page. */
export interface StudioBrowser {
  server: TestServer;
  browser: Browser;
  page: Page;
  /** Uncaught page errors and console errors, but for the refusals `expectedConsole` allows. */
  pageErrors: string[];
  /** Requests that left the page's origin (there should be none). */
  offOrigin: string[];
  /** Every request URL the page made, in order. */
  requests: { method: string; url: string }[];
  /** Saves a screenshot of the page as `<name>.png` under {@link STUDIO_SCREENSHOTS}. */
  shoot(name: string): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * Builds packages/studio with Vite into a temporary directory (so the test sees the sources, not
 * the committed dist), serves it from a real server with `server` options at /studio/, and opens
 * a 1280×820 page in headless Chromium. `expectedConsole` matches console errors a test causes on
 * purpose (Chromium logs every refused request).
 */
export async function startStudioBrowser(
  options: { server?: TestServerOptions; expectedConsole?: RegExp } = {},
): Promise<StudioBrowser> {
  mkdirSync(STUDIO_SCREENSHOTS, { recursive: true });
  const outDir = mkdtempSync(join(tmpdir(), 'confab-studio-dist-'));
  await build({
    configFile: join(studioRoot, 'vite.config.ts'),
    root: studioRoot,
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
  const server = await startTestServer({
    ...options.server,
    app: { ...options.server?.app, studio: { directory: outDir } },
  });
  const browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 820 }, locale: 'en-US' });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  const offOrigin: string[] = [];
  const requests: { method: string; url: string }[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    const expected = options.expectedConsole?.test(message.text()) ?? false;
    if (message.type() === 'error' && !expected) pageErrors.push(message.text());
  });
  page.on('request', (request) => {
    requests.push({ method: request.method(), url: request.url() });
    if (!request.url().startsWith(server.url) && !request.url().startsWith('data:')) offOrigin.push(request.url());
  });
  return {
    server,
    browser,
    page,
    pageErrors,
    offOrigin,
    requests,
    shoot: (name) => page.screenshot({ path: join(STUDIO_SCREENSHOTS, `${name}.png`) }),
    async close() {
      await browser.close();
      await server.close();
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}
