import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { build, type PreviewServer, preview } from 'vite';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { demoAgent } from '../../examples/use-chat/demo-agent.js';
import { startTestServer, type TestServer } from '../../packages/server/src/test-support/harness.js';
import { chromiumSkipNote, hasChromium, launchPersistentChromium } from '../support/chromium.js';
import { createHeldEchoModel, type Hold } from './held-echo-model.js';

/**
 * The example app (examples/use-chat) built with Vite and served by `vite preview`, whose `/v1`
 * proxy points at a real Confab server, driven in Debian's Chromium: what a person sees when they
 * chat, reload mid-answer, approve a tool, let the page answer a client tool, and stop. The model
 * is the contract's echo model with a hold the test opens, so "mid-answer" needs no timing.
 * Screenshots go to test-output/use-chat/ (not committed).
 */

/** Waits for what the page shows; the bound is for a busy machine, not a claim about speed. */
const eventually = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 20_000 });
const here = dirname(fileURLToPath(import.meta.url));
const repositoryRoot = join(here, '..', '..');
const exampleRoot = join(repositoryRoot, 'examples', 'use-chat');
const screenshots = join(repositoryRoot, 'test-output', 'use-chat');

const held = createHeldEchoModel(3);
describe.skipIf(!hasChromium)(
  `the useChat example in Chromium${chromiumSkipNote}`,
  // A page build, a browser and a server per case: generous bounds for a busy machine, not timings.
  { timeout: 90_000 },
  () => {
    let server: TestServer;
    let site: PreviewServer;
    let siteUrl: string;
    let profile: string;
    let context: BrowserContext;
    let page: Page;
    const configFile = join(exampleRoot, 'vite.config.ts');
    const poolOptions = {
      resolveModel: async (reference: unknown) => {
        if (reference !== 'echo' && reference !== held.model) throw new Error(`unexpected model ${String(reference)}`);
        return held.model;
      },
      factory: (_session: unknown, model: string) => demoAgent(model),
    };
    const directories: string[] = [];
    const temporaryDirectory = (prefix: string) => {
      const directory = mkdtempSync(join(tmpdir(), prefix));
      directories.push(directory);
      return directory;
    };
    /** What the page reported as errors: shown when a step fails. */
    const pageErrors: string[] = [];
    const shoot = async (name: string) => {
      await page?.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
    };

    beforeAll(async () => {
      mkdirSync(screenshots, { recursive: true });
      server = await startTestServer({ pool: poolOptions });
      const outDir = temporaryDirectory('confab-use-chat-dist-');
      await build({ configFile, root: exampleRoot, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
      site = await preview({
        configFile,
        root: exampleRoot,
        logLevel: 'warn',
        build: { outDir },
        preview: { port: 0, strictPort: false, proxy: { '/v1': { target: server.url } } },
      });
      siteUrl = site.resolvedUrls?.local[0] ?? '';
      expect(siteUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      profile = temporaryDirectory('confab-chromium-');
      context = await launchPersistentChromium(profile, {
        viewport: { width: 900, height: 760 },
        locale: 'en-US',
        timezoneId: 'UTC',
      });
      page = context.pages()[0] ?? (await context.newPage());
      page.on('pageerror', (error) => pageErrors.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error') pageErrors.push(message.text());
      });
      // The page's own token field, as a person would use it; it is kept in localStorage.
      await page.goto(siteUrl);
      await page.getByTestId('token-input').fill(server.tokens.a);
      await page.getByTestId('token-save').click();
      await page
        .locator('[data-testid=status][data-status=ready]')
        .waitFor()
        .catch(async (error: unknown) => {
          await shoot('failed-start');
          throw new Error(`the page did not get ready; its errors: ${pageErrors.join(' | ')}`, { cause: error });
        });
    }, 120_000);

    afterEach(async (test) => {
      if (test.task.result?.state === 'fail') await shoot(`failed-${test.task.name.replaceAll(' ', '-')}`);
    });

    afterAll(async () => {
      await context?.close();
      await site?.close();
      await server?.close();
      for (const directory of directories) rmSync(directory, { recursive: true, force: true });
    });

    /** Starts a new chat with the page's button, as a person would; useChat's resume finds nothing running. */
    const newChat = async () => {
      const before = page.url();
      const resumed = page.waitForResponse((response) => /\/v1\/chat\/[^/]+\/stream$/.test(response.url()));
      await page.getByRole('button', { name: 'New chat' }).click();
      expect((await resumed).status()).toBe(204);
      await eventually(() => page.url()).not.toBe(before);
      await eventually(status).toBe('ready');
      expect(await page.getByTestId('message-user').count()).toBe(0);
    };
    /** Reloads and waits until useChat's resume request (`GET …/stream`) has been answered with `expected`. */
    const reload = async (expected: 200 | 204) => {
      const resumed = page.waitForResponse((response) => /\/v1\/chat\/[^/]+\/stream$/.test(response.url()));
      await page.reload();
      expect((await resumed).status()).toBe(expected);
    };
    const status = () => page.getByTestId('status').getAttribute('data-status');
    const send = async (text: string) => {
      await page.getByTestId('message-input').fill(text);
      await page.getByTestId('send').click();
    };
    const assistantTexts = () => page.getByTestId('message-assistant').getByTestId('text').allInnerTexts();
    const lastAssistantText = async () => (await assistantTexts()).at(-1) ?? '';
    /** Waits until the answer has reached `hold` and the page shows part of `full` (and not all). */
    const partialShown = async (hold: Hold, full: string) => {
      await hold.reached;
      await eventually(lastAssistantText).toMatch(/^echo: /);
      const partial = await lastAssistantText();
      expect(full.startsWith(partial) && partial.length < full.length).toBe(true);
      return partial;
    };

    it('streams an answer as it is written', async () => {
      await newChat();
      const hold = held.hold();
      await send('Hello, Confab! Tell me about durable sessions.');
      const full = 'echo: Hello, Confab! Tell me about durable sessions.';
      const partial = await partialShown(hold, full);
      expect(await status()).toBe('streaming');
      await shoot('1-streaming');
      hold.release();
      await eventually(lastAssistantText).toBe(full);
      await eventually(status).toBe('ready');
      expect(partial.length).toBeGreaterThan('echo: '.length - 1);
      expect(await page.getByTestId('message-user').allInnerTexts()).toEqual([
        expect.stringContaining('Hello, Confab! Tell me about durable sessions.'),
      ]);
      await shoot('2-answered');
    });

    it('re-joins a running answer after a reload, with no text twice', async () => {
      await newChat();
      const hold = held.hold();
      await send('Reload the page while I am answering, and I will carry on where I was.');
      const full = 'echo: Reload the page while I am answering, and I will carry on where I was.';
      const before = await partialShown(hold, full);
      await reload(200);
      // After the reload the page shows the history and re-joins the turn: the same partial text.
      await eventually(lastAssistantText).toBe(before);
      await eventually(status).toBe('streaming');
      await shoot('3-reloaded-mid-answer');
      hold.release();
      await eventually(lastAssistantText).toBe(full);
      await eventually(status).toBe('ready');
      expect(await assistantTexts()).toEqual([full]);
      expect(await page.getByTestId('message-user').count()).toBe(1);
      await shoot('4-continued-after-reload');
      // The log holds the one answer too: a fresh load shows it once.
      await reload(204);
      await eventually(assistantTexts).toEqual([full]);
    });

    it('asks for approval before a server tool runs, and runs it once approved', async () => {
      await newChat();
      await send('/tool delete_file {"path":"notes.txt"}');
      const tool = page.getByTestId('tool').last();
      await eventually(() => tool.getAttribute('data-state')).toBe('approval-requested');
      await eventually(status).toBe('ready');
      await shoot('5-approval-requested');
      await tool.getByTestId('approve').click();
      await eventually(() => tool.getAttribute('data-state')).toBe('output-available');
      await eventually(lastAssistantText).toBe('echo: {"deleted":"notes.txt"}');
      await eventually(status).toBe('ready');

      await send('/tool delete_file {"path":"keep-me.txt"}');
      const second = page.getByTestId('tool').last();
      await eventually(() => second.getAttribute('data-state')).toBe('approval-requested');
      await eventually(status).toBe('ready');
      await second.getByTestId('deny').click();
      await eventually(() => second.getAttribute('data-state')).toBe('output-denied');
      // The model sees the denial as the tool's error result (and the echo model repeats it).
      await eventually(lastAssistantText).toBe('echo: {"error":"the user denied this tool call"}');
      await eventually(status).toBe('ready');
    });

    it('answers a client tool from the page with addToolOutput', async () => {
      // The same chat as the approvals: the screenshot of docs/ai-sdk-ui.md shows all three.
      await send('/tool browser_info {}');
      const tool = page.getByTestId('tool').last();
      await eventually(() => tool.getAttribute('data-state')).toBe('output-available');
      await eventually(lastAssistantText).toBe('echo: {"language":"en-US","timeZone":"UTC"}');
      await eventually(status).toBe('ready');
      // After a reload the conversation reads the same from the server.
      const before = await page.getByTestId('message-assistant').allInnerTexts();
      await reload(204);
      await eventually(() => page.getByTestId('message-assistant').allInnerTexts()).toEqual(before);
      // One more approval, left pending for the picture of docs/ai-sdk-ui.md (docs/use-chat-example.png).
      await send('/tool delete_file {"path":"old-draft.md"}');
      const pending = page.getByTestId('tool').last();
      await eventually(() => pending.getAttribute('data-state')).toBe('approval-requested');
      await eventually(status).toBe('ready');
      await shoot('6-use-chat-example');
      await pending.getByTestId('approve').click();
      await eventually(lastAssistantText).toBe('echo: {"deleted":"old-draft.md"}');
    });

    it('stops mid-answer and keeps the partial text, in the page and in the log', async () => {
      await newChat();
      const hold = held.hold();
      await send('Stop me half-way: what was written stays.');
      const full = 'echo: Stop me half-way: what was written stays.';
      const partial = await partialShown(hold, full);
      await page.getByTestId('stop').click();
      await eventually(status).toBe('ready');
      expect(await assistantTexts()).toEqual([partial]);
      await shoot('7-stopped');
      await reload(204);
      await eventually(assistantTexts).toEqual([partial]);
      await eventually(status).toBe('ready');
    });

    it('calls a server on another origin that allows it with --cors-origin (no proxy)', async () => {
      const port = await freePort();
      const origin = `http://127.0.0.1:${port}`;
      const crossServer = await startTestServer({ pool: poolOptions, app: { corsOrigins: [origin] } });
      let crossSite: PreviewServer | undefined;
      const crossPage = await context.newPage();
      try {
        const outDir = temporaryDirectory('confab-use-chat-cross-');
        await build({
          configFile,
          root: exampleRoot,
          logLevel: 'warn',
          build: { outDir, emptyOutDir: true },
          define: { 'import.meta.env.VITE_CONFAB_SERVER': JSON.stringify(crossServer.url) },
        });
        crossSite = await preview({
          configFile,
          root: exampleRoot,
          logLevel: 'warn',
          build: { outDir },
          preview: { port, strictPort: true },
        });
        const calls: string[] = [];
        crossPage.on('request', (request) => calls.push(`${request.method()} ${request.url()}`));
        await crossPage.goto(origin);
        await crossPage.getByTestId('token-input').fill(crossServer.tokens.a);
        await crossPage.getByTestId('token-save').click();
        await crossPage.getByTestId('message-input').fill('Hello from another origin');
        await crossPage.getByTestId('send').click();
        const answer = crossPage.getByTestId('message-assistant').getByTestId('text');
        await eventually(() => answer.allInnerTexts()).toEqual(['echo: Hello from another origin']);
        const resumed = crossPage.waitForResponse((response) => response.url().endsWith('/stream'));
        await crossPage.reload();
        expect((await resumed).status()).toBe(204);
        await eventually(() => answer.allInnerTexts()).toEqual(['echo: Hello from another origin']);
        await crossPage.screenshot({ path: join(screenshots, '8-cross-origin.png'), fullPage: true });
        // Every call went straight to the server, none through the page's own origin.
        expect(calls.filter((call) => call.includes('/v1/')).every((call) => call.includes(crossServer.url))).toBe(
          true,
        );
        expect(calls.some((call) => call === `POST ${crossServer.url}/v1/chat`)).toBe(true);
      } finally {
        await crossPage.close();
        await crossSite?.close();
        await crossServer.close();
      }
    });
  },
);

/** A port free at the time of asking (the preview must know its origin before the server allows it). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
