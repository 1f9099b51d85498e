import { defineAgent, defineFlow, tool } from 'confab';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Loose } from '../../packages/server/src/test-support/harness.js';
import { chromiumSkipNote, hasChromium } from '../support/chromium.js';
import { type StudioBrowser, startStudioBrowser } from './support/studio-browser.js';

/**
 * The Studio's useChat chat box (DESIGN §9 by clientSessionId, else `POST /v1/sessions/{id}/chat`):
 * a streamed turn, stop, approvals answered through useChat (also of a turn another client ran),
 * the server-side search, the forks of a session among all sessions, and state patches,
 * artifacts and errors in the timeline. Built from the sources, served by the real server, in
 * Debian's Chromium. Screenshots go to test-output/studio/ (not committed).
 */

/** Agents by session `agent`: an approval tool, a flow with state and an artifact, a broken flow. */
const factory = (session: { agent: string | null }, model: string) => {
  if (session.agent === 'reporter') {
    return defineFlow(async (context) => {
      await context.patchState([{ op: 'add', path: '/report', value: { status: 'drafted', pages: 3 } }]);
      await context.setArtifact('summary.md', { title: 'Quarterly numbers', lines: 42 });
      await context.say(`report ready for: ${context.text}`);
    });
  }
  if (session.agent === 'broken') {
    return defineFlow(() => {
      throw new Error('the report generator fell over');
    });
  }
  return defineAgent({
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
};

describe.skipIf(!hasChromium)(`the Studio's useChat chat box, search and family in Chromium${chromiumSkipNote}`, () => {
  let studio: StudioBrowser;

  beforeAll(async () => {
    studio = await startStudioBrowser({ server: { pool: { factory } } });
    // Signed in for the tab, as the token form would leave it.
    await studio.page.addInitScript(
      (token) => sessionStorage.setItem('confab-studio-token', token),
      studio.server.tokens.a,
    );
  }, 120_000);

  afterEach(async (test) => {
    if (test.task.result?.state === 'fail') {
      await studio.shoot(`failed-chat-${test.task.name.replaceAll(' ', '-')}`).catch(() => undefined);
      console.error('page errors:', studio.pageErrors);
    }
  });

  afterAll(() => studio?.close());

  const seed = async (body: Record<string, unknown>, turns: string[] = []) => {
    const session: Loose = await studio.server.api.createSession(body);
    for (const input of turns) await studio.server.api.turn(session.id, input);
    return session as { id: string; clientSessionId: string | null };
  };
  const openSession = async (id: string) => {
    await studio.page.goto(`${studio.server.url}/studio/#/sessions/${id}`);
    await studio.page.getByTestId('timeline').waitFor();
    await studio.page.getByRole('textbox', { name: 'Message' }).waitFor();
  };
  const send = async (text: string) => {
    const box = studio.page.getByRole('textbox', { name: 'Message' });
    await box.fill(text);
    await box.press('Enter');
  };
  // Requests of the running test only: each test starts counting afresh.
  let firstRequest = 0;
  beforeEach(() => {
    firstRequest = studio.requests.length;
  });
  const requestsOfTest = () => studio.requests.slice(firstRequest);
  const posts = (path: string) =>
    requestsOfTest().filter((request) => request.method === 'POST' && request.url === `${studio.server.url}${path}`);
  const chatStatus = () => studio.page.getByTestId('chat-status').getAttribute('data-chat-status');

  it('streams a turn through useChat on a session without a clientSessionId, by its id', async () => {
    const session = await seed({ title: 'Plain session' });
    await openSession(session.id);
    await send('hello from the chat box');
    const { page } = studio;
    await page.getByTestId('event-message').getByText('echo: hello from the chat box').waitFor();
    // useChat got the stream itself: its own last assistant message holds the answer.
    await page.getByTestId('chat-reply').getByText('echo: hello from the chat box').waitFor();
    await expect.poll(chatStatus).toBe('ready');
    expect(posts(`/v1/sessions/${session.id}/chat`)).toHaveLength(1);
    expect(posts(`/v1/sessions/${session.id}/turns`)).toHaveLength(0);
    // Chatting gave the session no clientSessionId and made no other session.
    const info = (await studio.server.api.get(`/v1/sessions/${session.id}`)).body.session;
    expect(info).toMatchObject({ clientSessionId: null, turnCount: 1 });
    await studio.shoot('20-usechat-turn');
  });

  it('streams into a §9 chat by clientSessionId and stops it from the chat box', async () => {
    const session = await seed({ title: 'A useChat app’s chat', clientSessionId: 'app-chat-7' });
    await openSession(session.id);
    await send('/sleep 60000 this takes a while');
    const { page } = studio;
    // The turn runs (the timeline's live tail shows it) while useChat waits for its first text.
    await page.locator('[data-testid=turn-header] .badge.running').waitFor();
    await expect.poll(chatStatus).toBe('submitted');
    await page.getByTestId('chat-status').getByText('Waiting for the answer…').waitFor();
    await studio.shoot('21-usechat-streaming');
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByTestId('stop-reason').getByText('aborted').waitFor();
    await expect.poll(chatStatus).toBe('ready');
    expect(posts('/v1/chat')).toHaveLength(1);
    expect(posts('/v1/chat/app-chat-7/stop')).toHaveLength(1);
    await studio.shoot('22-usechat-stopped');
  });

  it('answers an approval through useChat, continuing the same assistant message', async () => {
    const session = await seed({ title: 'Needs an approval', clientSessionId: 'approve-me', agent: 'guarded' });
    await openSession(session.id);
    await send('/tool delete_file {"path":"draft.txt"}');
    const { page } = studio;
    const approval = page.getByTestId('pending-approval');
    await approval.waitFor();
    await studio.shoot('23-usechat-approval');
    await approval.getByRole('button', { name: 'Approve' }).click();
    await page.getByTestId('event-message').getByText('echo: {"deleted":"draft.txt"}').waitFor();
    await expect.poll(() => page.getByTestId('pending').count()).toBe(0);
    // The continuation is useChat's own automatic request: the same chat, a second POST.
    expect(posts('/v1/chat')).toHaveLength(2);
    await expect.poll(chatStatus).toBe('ready');
    const messages = (await studio.server.api.get('/v1/chat/approve-me/messages')).body.messages;
    expect(messages.map((message: Loose) => message.role)).toEqual(['user', 'assistant']);
  });

  it('denies, through useChat, an approval of a turn that another client ran', async () => {
    const session = await seed({ title: 'Interrupted elsewhere', agent: 'guarded' });
    const turn = await studio.server.api.turn(session.id, '/tool delete_file {"path":"prod.db"}');
    expect(turn.stopReason).toBe('interrupted');
    await openSession(session.id);
    const { page } = studio;
    const approval = page.getByTestId('pending-approval');
    await approval.waitFor();
    await approval.getByRole('button', { name: 'Deny' }).click();
    await page.getByTestId('event-tool-approval').getByText('denied').waitFor();
    await expect.poll(() => page.getByTestId('pending').count()).toBe(0);
    // The pending message came from the server, then went back as useChat's request.
    expect(
      requestsOfTest().some(
        (request) => request.url === `${studio.server.url}/v1/sessions/${session.id}/chat/messages`,
      ),
    ).toBe(true);
    expect(posts(`/v1/sessions/${session.id}/chat`)).toHaveLength(1);
    await studio.shoot('24-usechat-denied');
  });

  it('searches all sessions on the server by title, id or clientSessionId', async () => {
    const needle = await seed({ title: 'Needle in the haystack', clientSessionId: 'crm-needle-9' });
    // Newer sessions push it off the first page (50).
    for (let index = 0; index < 60; index++) await seed({ title: `Hay bale ${index}` });
    const { page } = studio;
    await page.goto(`${studio.server.url}/studio/#/sessions`);
    await page.getByRole('link', { name: 'Hay bale 59' }).waitFor();
    await expect(page.getByTestId('sessions-count').textContent()).resolves.toContain('more on the server');
    expect(await page.getByRole('link', { name: 'Needle in the haystack' }).count()).toBe(0);
    const search = page.getByTestId('session-search');
    for (const text of ['NEEDLE in', 'crm-needle', needle.id.slice(-12)]) {
      // Each search is the server's: wait for its answer, then for the one row it found.
      const answered = page.waitForResponse(
        (response) => new URL(response.url()).searchParams.get('search') === text && response.status() === 200,
      );
      await search.fill(text);
      await answered;
      await expect.poll(() => page.getByTestId('session-row').count()).toBe(1);
      await page.getByRole('link', { name: 'Needle in the haystack' }).waitFor();
    }
    await studio.shoot('25-search');
    await search.fill('no such session anywhere');
    await page.getByText('No session matches “no such session anywhere”.').waitFor();
    await search.fill('');
    await expect.poll(() => page.getByTestId('session-row').count()).toBe(50);
  });

  it('shows the forks of a session found among all sessions, not only the newest', async () => {
    const root = await seed({ title: 'Family root' }, ['one']);
    const fork: Loose = (await studio.server.api.post(`/v1/sessions/${root.id}/fork`, {})).body.session;
    await studio.server.api.call('PATCH', `/v1/sessions/${fork.id}`, { body: { title: 'The old fork' } });
    // 201 newer sessions: the fork is not among the newest 200.
    await Promise.all(Array.from({ length: 201 }, (_, index) => seed({ title: `Later ${index}` })));
    await openSession(root.id);
    const { page } = studio;
    const children = page.getByTestId('children');
    await children.getByRole('link', { name: 'The old fork' }).waitFor();
    expect(studio.requests.some((request) => request.url.includes(`parentId=${encodeURIComponent(root.id)}`))).toBe(
      true,
    );
    await studio.shoot('26-children');
    await children.getByRole('link', { name: 'The old fork' }).click();
    await page.getByTestId('parent-link').getByText(root.id).waitFor();
  });

  it('shows state patches, artifacts and errors in the timeline', async () => {
    const reporter = await seed({ title: 'Report writer', agent: 'reporter' }, ['Q3']);
    await openSession(reporter.id);
    const { page } = studio;
    const patch = page.getByTestId('event-state-patch');
    await patch.waitFor();
    await expect(patch.textContent()).resolves.toMatch(/state patch.*version 1.*"\/report".*"drafted"/);
    const artifact = page.getByTestId('event-artifact');
    await expect(artifact.textContent()).resolves.toMatch(/artifact · summary\.md.*"Quarterly numbers"/);
    await page.getByTestId('event-message').getByText('report ready for: Q3').waitFor();
    await page.getByRole('button', { name: 'version 1' }).click();
    await expect(page.getByTestId('json-drawer').textContent()).resolves.toContain('"drafted"');
    await studio.shoot('27-state-and-artifact');
    await page.keyboard.press('Escape');

    const broken = await seed({ title: 'Broken flow', agent: 'broken' }, ['go']);
    await openSession(broken.id);
    const failure = page.getByTestId('event-error');
    await failure.waitFor();
    await expect(failure.textContent()).resolves.toMatch(/error · internal.*the report generator fell over/);
    await expect(page.getByTestId('stop-reason').last().textContent()).resolves.toBe('error');
    await studio.shoot('28-error');
  });

  it('made no request off the page origin and logged no page error', () => {
    expect(studio.offOrigin).toEqual([]);
    expect(studio.pageErrors).toEqual([]);
  });
});
