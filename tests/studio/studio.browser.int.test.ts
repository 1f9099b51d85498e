import { defineAgent, tool } from 'confab';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Loose, TestServer } from '../../packages/server/src/test-support/harness.js';
import { chromiumSkipNote, hasChromium } from '../support/chromium.js';
import { type StudioBrowser, startStudioBrowser } from './support/studio-browser.js';

/**
 * Confab Studio (packages/studio, DESIGN §10) built from its sources with Vite, served by the real
 * server at /studio/, driven in Debian's Chromium as a person would use it: the token, the sessions
 * list, a session's timeline and raw JSON, a turn from the chat box, an approval and a client tool
 * answered from the page, a turn run by another client seen live, a fork, the lifecycle feed and
 * the list's actions. Screenshots go to test-output/studio/ (not committed).
 */

/** The server's agent: the echo model plus a server tool that waits for a person's approval. */
const agent = (model: string) =>
  defineAgent({
    model,
    tools: {
      delete_file: tool({
        description: 'Deletes a file (a pretend one)',
        inputSchema: z.object({ path: z.string() }),
        approval: 'always',
        execute: ({ path }) => ({ deleted: path }),
      }),
    },
  });

describe.skipIf(!hasChromium)(`Confab Studio in Chromium${chromiumSkipNote}`, () => {
  let studio: StudioBrowser;
  let server: TestServer;
  let page: Page;
  const shoot = (name: string) => studio.shoot(name);

  beforeAll(async () => {
    studio = await startStudioBrowser({
      server: { pool: { factory: (_session, model) => agent(model) } },
      // The wrong token and the unknown session are refused on purpose: Chromium logs that 401 and 404.
      expectedConsole: /status of (401|404)/,
    });
    ({ server, page } = studio);
  }, 120_000);

  afterEach(async (test) => {
    if (test.task.result?.state === 'fail') {
      await shoot(`failed-${test.task.name.replaceAll(' ', '-')}`).catch(() => undefined);
      console.error('page errors:', studio.pageErrors);
    }
  });

  afterAll(() => studio?.close());

  const seed = async (body: Record<string, unknown>, turns: string[] = []) => {
    const session: Loose = await server.api.createSession(body);
    for (const input of turns) await server.api.turn(session.id, input);
    return session as { id: string };
  };
  const openSession = async (id: string) => {
    await page.goto(`${server.url}/studio/#/sessions/${id}`);
    await page.getByTestId('timeline').waitFor();
  };
  const sendFromChatBox = async (text: string) => {
    const box = page.getByRole('textbox', { name: 'Message' });
    await box.fill(text);
    await box.press('Enter');
  };

  it('asks for the token, refuses a wrong one, and lists the sessions with the right one', async () => {
    await seed({ title: 'Refund for order 1042', channel: 'support', clientSessionId: 'crm-1042' }, ['hello there']);
    await seed({ title: 'Weekly report', channel: 'reports' }, ['make the report']);
    await page.goto(`${server.url}/studio`);
    expect(page.url()).toBe(`${server.url}/studio/`);
    await page.getByLabel('App token').fill('not-a-token');
    await page.getByRole('button', { name: 'Open Studio' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('unauthenticated');
    await shoot('01-token-refused');
    await page.getByLabel('App token').fill(server.tokens.a);
    await page.getByRole('button', { name: 'Open Studio' }).click();
    await page.getByRole('link', { name: 'Refund for order 1042' }).waitFor();
    await page.getByRole('link', { name: 'Weekly report' }).waitFor();
    await shoot('02-sessions');
    // Kept for the tab only.
    expect(await page.evaluate(() => sessionStorage.getItem('confab-studio-token'))).toBe(server.tokens.a);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
  });

  it('filters by channel and searches by title, id or clientSessionId', async () => {
    await page.getByLabel('Search title, id or clientSessionId').fill('crm-1042');
    await expect.poll(() => page.getByTestId('session-row').count()).toBe(1);
    await page.getByLabel('Search title, id or clientSessionId').fill('');
    await page.getByLabel('Channel').fill('reports');
    await page.getByLabel('Channel').press('Enter');
    await expect.poll(() => page.getByTestId('session-row').count()).toBe(1);
    await page.getByRole('link', { name: 'Weekly report' }).waitFor();
    await page.getByLabel('Channel').fill('');
    await page.getByLabel('Channel').press('Enter');
    await expect.poll(() => page.getByTestId('session-row').count()).toBeGreaterThanOrEqual(2);
  });

  it('opens a session: turns with inputs, messages, stop reason, usage and duration, and raw JSON', async () => {
    await page.getByRole('link', { name: 'Refund for order 1042' }).click();
    await page.getByTestId('turn-header').first().waitFor();
    const header = page.getByTestId('turn-header').first();
    await expect(header.textContent()).resolves.toMatch(/Turn 1.*1 input.*echo.*stop/);
    await page.getByTestId('event-input').getByText('hello there').waitFor();
    await page.getByTestId('event-message').getByText('echo: hello there').waitFor();
    await page.getByRole('button', { name: /Raw JSON of event \d+ \(message\)/ }).click();
    const drawer = page.getByTestId('json-drawer');
    await expect(drawer.textContent()).resolves.toContain('"type": "message"');
    await shoot('03-session-json');
    await page.keyboard.press('Escape');
    await expect.poll(() => drawer.count()).toBe(0);
  });

  it('runs a turn from the chat box and streams it into the timeline', async () => {
    await sendFromChatBox('how are you today?');
    await page.getByTestId('event-message').getByText('echo: how are you today?').waitFor();
    await expect.poll(() => page.getByTestId('turn-header').count()).toBe(2);
    await expect(page.getByTestId('stop-reason').last().textContent()).resolves.toBe('stop');
    await shoot('04-chat-turn');
  });

  it('queues inputs while a turn runs, stops that turn, and shows the queued inputs batched into the next', async () => {
    await sendFromChatBox('/sleep 60000 a long one');
    await page.locator('[data-testid=turn-header] .badge.running').waitFor();
    await page.getByLabel('Queue as input').check();
    await sendFromChatBox('first queued');
    await page.getByTestId('chat-status').getByText('1 queued from here').waitFor();
    await sendFromChatBox('second queued');
    await page.getByTestId('chat-status').getByText('2 queued from here').waitFor();
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByTestId('stop-reason').getByText('aborted').waitFor();
    const batched = page.getByTestId('turn-header').filter({ hasText: '2 inputs batched' });
    await batched.waitFor();
    await page.getByTestId('event-message').getByText('echo: first queued\nsecond queued').waitFor();
    await shoot('05a-batched');
    await page.getByLabel('Queue as input').uncheck();
  });

  it('answers an approval from the page', async () => {
    await sendFromChatBox('/tool delete_file {"path":"notes.txt"}');
    const approval = page.getByTestId('pending-approval');
    await approval.waitFor();
    await expect(approval.textContent()).resolves.toContain('delete_file');
    await shoot('05-approval-pending');
    await approval.getByRole('button', { name: 'Approve' }).click();
    await page.getByTestId('event-tool-call').getByText('{"deleted":"notes.txt"}').waitFor();
    await page.getByTestId('event-message').getByText('echo: {"deleted":"notes.txt"}').waitFor();
    await expect.poll(() => page.getByTestId('pending').count()).toBe(0);
    await page.getByTestId('event-tool-approval').first().waitFor();
    await shoot('06-approval-answered');
  });

  it('answers a client tool call from the page', async () => {
    const session = await seed({
      title: 'Client tool',
      tools: [{ name: 'pick_color', description: 'Asks the user for a color', inputSchema: { type: 'object' } }],
    });
    await openSession(session.id);
    await sendFromChatBox('/tool pick_color {"from":"palette"}');
    const call = page.getByTestId('pending-tool-call');
    await call.waitFor();
    await call.getByLabel('Result (JSON)').fill('{"color":"teal"}');
    await call.getByRole('button', { name: 'Send result' }).click();
    await page.getByTestId('event-message').getByText('echo: {"color":"teal"}').waitFor();
    await shoot('07-client-tool');
  });

  it('shows live a turn that another client runs', async () => {
    const session = await seed({ title: 'Watched from afar' }, ['first']);
    await openSession(session.id);
    await page.getByTestId('event-message').getByText('echo: first').waitFor();
    // Another client, over plain HTTP: a queued input the server runs as a turn, and a direct turn.
    await server.api.turn(session.id, 'run by someone else');
    await page.getByTestId('event-message').getByText('echo: run by someone else').waitFor();
    await server.api.call('POST', `/v1/sessions/${session.id}/inputs`, { body: { input: 'queued from afar' } });
    await page.getByTestId('event-message').getByText('echo: queued from afar').waitFor();
    await shoot('08-live-tail');
  });

  it('forks from a snapshot and links parent and child', async () => {
    const session = await seed({ title: 'To be forked' }, ['one', 'two']);
    await openSession(session.id);
    await page.getByTestId('event-message').getByText('echo: two').waitFor();
    await page.getByRole('button', { name: 'Fork from the snapshot of turn 1' }).click();
    await page.waitForURL((url) => !url.hash.includes(session.id));
    await page.getByTestId('parent-link').waitFor();
    await expect(page.getByTestId('parent-link').textContent()).resolves.toBe(session.id);
    // The fork inherits turn 1 only.
    await page.getByTestId('event-message').getByText('echo: one').waitFor();
    await expect(page.getByTestId('event-message').getByText('echo: two').count()).resolves.toBe(0);
    await shoot('09-fork');
    await page.getByTestId('parent-link').click();
    await page.getByText('Forked into').waitFor();
  });

  it('compacts from the page and shows the summary with the range it covers', async () => {
    const short = await seed({ title: 'Too short to compact' }, ['one']);
    await openSession(short.id);
    await page.getByRole('button', { name: 'Compact now' }).click();
    await page.getByTestId('side-notice').getByText('Nothing to compact yet').waitFor();
    // The newest 20 messages are kept verbatim: 14 turns (28 messages) leave some to summarize.
    const turns = Array.from({ length: 14 }, (_, index) => `message ${index + 1}`);
    const session = await seed({ title: 'To be compacted' }, turns);
    await openSession(session.id);
    await page.getByTestId('event-message').getByText('echo: message 14').waitFor();
    await page.getByRole('button', { name: 'Compact now' }).click();
    await page
      .getByTestId('side-notice')
      .getByText(/Compacted through event \d+/)
      .waitFor();
    const compaction = page.getByTestId('event-compaction');
    await compaction.waitFor();
    await expect(compaction.textContent()).resolves.toMatch(/covers events 1–\d+/);
    await shoot('09a-compaction');
  });

  it('says so when a session does not exist', async () => {
    await page.goto(`${server.url}/studio/#/sessions/ses_doesnotexist`);
    await page.getByRole('alert').filter({ hasText: 'not_found' }).first().waitFor();
    await expect(page.getByTestId('live-indicator').textContent()).resolves.toContain('reconnecting');
  });

  it('shows the lifecycle feed live', async () => {
    await page.getByRole('link', { name: 'Lifecycle' }).click();
    await page.getByText('Waiting for activity…').waitFor();
    const session = await seed({ title: 'Born while watched', clientSessionId: 'watch-1' }, ['hi']);
    const feed = page.getByTestId('lifecycle-feed');
    await feed.locator('[data-type="session.created"]').getByText(session.id).waitFor();
    await feed.locator('[data-type="turn.ended"]').first().waitFor();
    await shoot('10-lifecycle');
  });

  it('archives, closes, rotates a channel and deletes from the list', async () => {
    const archived = await seed({ title: 'Archive me' });
    const closed = await seed({ title: 'Close me' });
    const deleted = await seed({ title: 'Delete me' });
    const rotated = await seed({ title: 'Rotate me', channel: 'rotating' });
    await page.getByRole('link', { name: 'Sessions' }).click();
    const row = (id: string) => page.locator(`[data-session-id="${id}"]`);
    await row(archived.id).getByRole('button', { name: 'Archive Archive me' }).click();
    await expect.poll(() => row(archived.id).locator('.badge').textContent()).toBe('archived');
    await row(closed.id).getByRole('button', { name: 'Close Close me' }).click();
    await expect.poll(() => row(closed.id).locator('.badge').textContent()).toBe('closed');
    page.once('dialog', (dialog) => void dialog.accept());
    await row(deleted.id).getByRole('button', { name: 'Delete Delete me' }).click();
    await expect.poll(() => row(deleted.id).count()).toBe(0);
    expect((await server.api.call('GET', `/v1/sessions/${deleted.id}`)).status).toBe(404);
    await page.getByLabel('Channel').fill('rotating');
    await page.getByLabel('Channel').press('Enter');
    await page.getByRole('button', { name: 'Rotate channel “rotating”' }).click();
    await expect.poll(() => row(rotated.id).locator('.badge').textContent()).toBe('archived');
    await expect.poll(() => page.getByTestId('session-row').count()).toBe(2);
    await shoot('11-actions');
  });

  it('opens a 10,000-event session with only the rows in view in the page, and scrolls end to end', async () => {
    const session = await seed({ title: 'Ten thousand events' });
    // Written straight into the store, 4 events a turn, as a long history would be.
    const turns = 2500;
    for (let first = 1; first <= turns; first += 250) {
      const events = [];
      for (let turn = first; turn < first + 250; turn++) {
        const inputIds = [`in_${turn}`];
        events.push(
          { type: 'turn-start', turn, data: { inputIds, inputCount: 1, model: 'echo' } },
          { type: 'input', turn, data: { inputId: inputIds[0], text: `question ${turn}` } },
          {
            type: 'message',
            turn,
            data: { messageId: `msg_${turn}`, role: 'assistant', text: `echo: question ${turn}` },
          },
          {
            type: 'turn-end',
            turn,
            data: { snapshotId: null, inputCount: 1, inputIds, stopReason: 'stop', usage: null, durationMs: 5 },
          },
        );
      }
      await server.store.appendEvents({ sessionId: session.id, events: events as never });
    }
    await openSession(session.id);
    await expect.poll(() => page.getByTestId('event-count').textContent(), { timeout: 60_000 }).toBe('10000');
    // Following the end: the last turn is in view, the first is not in the page at all.
    await page.getByTestId('event-message').getByText('echo: question 2500', { exact: true }).waitFor();
    expect(await page.locator('.timeline-slot').count()).toBeLessThan(60);
    expect(await page.getByText('echo: question 1', { exact: true }).count()).toBe(0);
    await shoot('12-ten-thousand-end');
    // The keyboard takes it to the start and back.
    await page.getByTestId('timeline').focus();
    await page.keyboard.press('Home');
    await page.getByTestId('event-message').getByText('echo: question 1', { exact: true }).waitFor();
    expect(await page.locator('.timeline-slot').count()).toBeLessThan(60);
    await shoot('13-ten-thousand-start');
    await page.keyboard.press('End');
    await page.getByTestId('event-message').getByText('echo: question 2500', { exact: true }).waitFor();
  });

  it('made no request off the page origin and logged no page error', () => {
    expect(studio.offOrigin).toEqual([]);
    expect(studio.pageErrors).toEqual([]);
  });
});
