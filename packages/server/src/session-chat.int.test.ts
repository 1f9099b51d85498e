import { lastAssistantMessageIsCompleteWithApprovalResponses, type UIMessage } from 'ai';
import { defineAgent, tool } from 'confab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { eventually, type Loose, startTestServer, type TestServer } from './test-support/harness.js';
import { TestChat } from './test-support/test-chat.js';

// `POST /v1/sessions/{id}/chat` and `GET /v1/sessions/{id}/chat/messages`: the §9 requests on a
// session named by its id, so sessions without a clientSessionId can be useChat chats too.

let t: TestServer;
const deployed: string[] = [];

beforeAll(async () => {
  t = await startTestServer({
    pool: {
      factory: (session, model) =>
        session.agent === 'guarded'
          ? defineAgent({
              model,
              tools: {
                deploy: tool({
                  inputSchema: z.object({ target: z.string() }),
                  approval: 'always',
                  execute: (input) => {
                    deployed.push(input.target);
                    return { deployed: input.target };
                  },
                }),
              },
            })
          : defineAgent({ model }),
    },
  });
});
afterAll(() => t.close());

const chatOn = (sessionId: string, options: Partial<ConstructorParameters<typeof TestChat>[0]> = {}) =>
  new TestChat({ url: t.url, token: t.tokens.a, apiPath: `/v1/sessions/${sessionId}/chat`, id: sessionId, ...options });

async function uiMessagesOf(sessionId: string): Promise<UIMessage[]> {
  const answer = await t.api.get(`/v1/sessions/${sessionId}/chat/messages`);
  expect(answer.status).toBe(200);
  return answer.body.messages;
}

const settled = (chat: TestChat, check: () => boolean = () => true) =>
  eventually(() => chat.status !== 'submitted' && chat.status !== 'streaming' && check());

describe('a session as a useChat chat, by its id', () => {
  it('streams a turn into a session that has no clientSessionId, and leaves it without one', async () => {
    const session = await t.api.createSession({ title: 'no client id' });
    expect(session.clientSessionId).toBeNull();
    const before = (await t.api.get('/v1/sessions?limit=200')).body.sessions.length;
    const chat = chatOn(session.id);
    await chat.sendMessage({ text: 'hello there' });
    expect(chat.status).toBe('ready');
    expect(TestChat.textOf(chat.messages[1])).toBe('echo: hello there');
    expect(await uiMessagesOf(session.id)).toEqual(JSON.parse(JSON.stringify(chat.messages)));
    const after = (await t.api.get(`/v1/sessions/${session.id}`)).body.session;
    expect(after).toMatchObject({ clientSessionId: null, turnCount: 1, title: 'no client id' });
    // No session was made for the chat id: the turn ran on the one in the path.
    expect((await t.api.get('/v1/sessions?limit=200')).body.sessions.length).toBe(before);
    const events: Loose[] = (await t.api.get(`/v1/sessions/${session.id}/events`)).body.events;
    expect(events.filter((event) => event.type === 'input').map((event) => event.data.text)).toEqual(['hello there']);
  });

  it('reads a session that §9 also reaches by its clientSessionId the same way', async () => {
    const session = await t.api.createSession({ clientSessionId: `both-${Date.now()}` });
    await chatOn(session.id).sendMessage({ text: 'one' });
    const viaChatId = (await t.api.get(`/v1/chat/${session.clientSessionId}/messages`)).body.messages;
    expect(await uiMessagesOf(session.id)).toEqual(viaChatId);
    expect(viaChatId).toHaveLength(2);
  });

  it('answers an approval with the same assistant message, as §9 does', async () => {
    const session = await t.api.createSession({ agent: 'guarded' });
    const chat = chatOn(session.id, { sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithApprovalResponses });
    await chat.sendMessage({ text: '/tool deploy {"target":"staging"}' });
    const assistant = chat.messages[1] as Loose;
    const part = assistant.parts.find((candidate: Loose) => candidate.type === 'tool-deploy');
    expect(part).toMatchObject({ state: 'approval-requested', input: { target: 'staging' } });
    await chat.addToolApprovalResponse({ id: part.approval.id, approved: true });
    await settled(chat, () => chat.chunks.length === 2);
    expect(deployed).toContain('staging');
    expect(chat.messages[1]?.id).toBe(assistant.id);
    expect(TestChat.textOf(chat.messages[1])).toBe('echo: {"deployed":"staging"}');
  });

  it("refuses another app's session, an unknown id and a closed session with the error shape", async () => {
    const mine = await t.api.createSession();
    const body = { id: mine.id, messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: 'hi' }] }] };
    const other = await t.as('b').post(`/v1/sessions/${mine.id}/chat`, body);
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBe('not_found');
    expect((await t.as('b').get(`/v1/sessions/${mine.id}/chat/messages`)).status).toBe(404);
    expect((await t.api.post('/v1/sessions/ses_unknown/chat', body)).status).toBe(404);
    expect((await t.api.post(`/v1/sessions/${mine.id}/chat`, { id: mine.id })).body.error.code).toBe(
      'invalid_argument',
    );
    await t.api.call('DELETE', `/v1/sessions/${mine.id}`);
    const closed = await t.api.post(`/v1/sessions/${mine.id}/chat`, body);
    expect(closed.status).toBe(410);
    expect(closed.body.error.code).toBe('session_closed');
  });

  it('is in the OpenAPI document', async () => {
    const paths = (await t.api.get('/v1/openapi.json')).body.paths;
    expect(paths['/v1/sessions/{id}/chat'].post.operationId).toBe('sessionChat');
    expect(paths['/v1/sessions/{id}/chat/messages'].get.operationId).toBe('sessionChatMessages');
  });
});
