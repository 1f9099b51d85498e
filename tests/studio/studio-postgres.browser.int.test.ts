import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from '../multiprocess/support/api.js';
import { createTestDatabase, type TestDatabase } from '../multiprocess/support/postgres-database.js';
import { killAllServers, startServers } from '../multiprocess/support/serve-process.js';
import { chromiumSkipNote, hasChromium, launchChromium } from '../support/chromium.js';

/**
 * The Studio as `confab serve` ships it (the committed packages/studio/dist), on one of two
 * processes sharing a PostgreSQL database: a session's timeline on the first process shows, live,
 * the turns the second process runs. Screenshots go to test-output/studio/ (not committed).
 */

const here = dirname(fileURLToPath(import.meta.url));
const screenshots = join(here, '..', '..', 'test-output', 'studio');

describe.skipIf(!hasChromium)(`the Studio on two processes over PostgreSQL${chromiumSkipNote}`, () => {
  let database: TestDatabase;
  let first: Api;
  let second: Api;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true });
    database = await createTestDatabase();
    const servers = await startServers(2, database.url);
    [first, second] = servers.map((server) => new Api(server.url, server.token)) as [Api, Api];
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 820 } })).newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await killAllServers();
    await database?.drop();
  });

  it("shows live, on the first process's Studio, the turns the second process runs", async () => {
    const sessionId = await second.createSession();
    await page.goto(`${first.url}/studio/#/sessions/${sessionId}`);
    await page.getByLabel('App token').fill(first.token);
    await page.getByRole('button', { name: 'Open Studio' }).click();
    await page.getByTestId('timeline').waitFor();
    await page.getByTestId('live-indicator').getByText('live').waitFor();

    // A slow turn on the second process: the first process's page shows it running, then its answer.
    const slow = second.turn(sessionId, '/sleep 3000 from the second process');
    await page.locator('[data-testid=turn-header] .badge.running').waitFor();
    await page.screenshot({ path: join(screenshots, 'postgres-1-running.png') });
    await page.getByTestId('event-message').getByText('echo: from the second process').waitFor({ timeout: 20_000 });
    await slow;
    await second.turn(sessionId, 'and another one');
    await page.getByTestId('event-message').getByText('echo: and another one').waitFor();
    await expect(page.getByTestId('stop-reason').allTextContents()).resolves.toEqual(['stop', 'stop']);
    await page.screenshot({ path: join(screenshots, 'postgres-2-done.png') });
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
