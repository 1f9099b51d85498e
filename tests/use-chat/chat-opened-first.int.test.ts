import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../packages/server/src/test-support/harness.js';

/**
 * A useChat page with `resume: true` asks `GET /v1/chat/{id}/stream` when it opens a chat, before
 * the chat's first `POST /v1/chat`; the client tools that POST declares must still reach the model.
 */
describe('a chat opened before its first message', () => {
  let server: TestServer;
  const tools = [{ name: 'browser_info', description: 'The browser', inputSchema: { type: 'object' } }];
  const userMessage = (id: string, text: string) => ({ id, role: 'user', parts: [{ type: 'text', text }] });

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  const chatSession = async (chatId: string) => {
    const { body } = await server.api.get('/v1/sessions?limit=200');
    return body.sessions.find((session: { clientSessionId: string }) => session.clientSessionId === chatId);
  };

  it('takes the client tools of the first POST when GET …/stream and …/messages came first', async () => {
    expect((await server.api.get('/v1/chat/opened-first/stream')).status).toBe(204);
    expect((await server.api.get('/v1/chat/opened-first/messages')).body).toEqual({ messages: [] });
    const response = await server.api.fetch('POST', '/v1/chat', {
      body: {
        id: 'opened-first',
        trigger: 'submit-message',
        messages: [userMessage('u1', '/tool browser_info {}')],
        tools,
      },
    });
    expect(response.status).toBe(200);
    const stream = await response.text();
    expect(stream).toContain('"type":"tool-input-available"');
    expect(stream).not.toContain('unknown tool');
    expect(stream).not.toContain('"type":"tool-output-error"');
    const session = await chatSession('opened-first');
    expect(session.turnCount).toBe(1);
    expect((await server.store.getSession(session.id))?.tools).toEqual(tools);
  });

  it('keeps the tools a chat has once it has run a turn', async () => {
    await (
      await server.api.fetch('POST', '/v1/chat', {
        body: { id: 'started', trigger: 'submit-message', messages: [userMessage('u1', 'hello')] },
      })
    ).text();
    const later = [{ name: 'other_tool', inputSchema: { type: 'object' } }];
    await (
      await server.api.fetch('POST', '/v1/chat', {
        body: { id: 'started', trigger: 'submit-message', messages: [userMessage('u2', 'again')], tools: later },
      })
    ).text();
    const session = await chatSession('started');
    expect((await server.store.getSession(session.id))?.tools).toEqual([]);
  });
});
