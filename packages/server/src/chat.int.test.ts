import { defineAgent, tool } from 'confab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Loose, startTestServer, type TestServer } from './test-support/harness.js';
import { TestChat } from './test-support/test-chat.js';

let t: TestServer;
const deployed: string[] = [];

beforeAll(async () => {
  // Chats created with agent "guarded" get a server tool that needs approval; others plain echo.
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

let chats = 0;
const newChat = (options: Partial<ConstructorParameters<typeof TestChat>[0]> = {}) =>
  new TestChat({ url: t.url, token: t.tokens.a, id: `chat-${++chats}-${Date.now()}`, ...options });

const chunkTypes = (chunks: Loose[]) => chunks.map((chunk) => chunk.type);

describe('POST /v1/chat with the AI SDK chat', () => {
  it('streams an answer into the chat, and GET …/messages returns the same messages', async () => {
    const chat = newChat();
    await chat.sendMessage({ text: 'hello there' });
    expect(chat.status).toBe('ready');
    expect(chat.messages.map((message) => message.role)).toEqual(['user', 'assistant']);
    expect(TestChat.textOf(chat.messages[1])).toBe('echo: hello there');
    const chunks = chat.chunks[0] ?? [];
    expect(chunkTypes(chunks)[0]).toBe('start');
    expect(chunkTypes(chunks)).toContain('text-delta');
    expect(chunks.at(-1)).toEqual({ type: 'finish', finishReason: 'stop' });
    expect(chunks[0]).toEqual({ type: 'start', messageId: chat.messages[1]?.id });
    const answer = await t.api.get(`/v1/chat/${chat.id}/messages`);
    expect(answer.status).toBe(200);
    expect(answer.body.messages).toEqual(JSON.parse(JSON.stringify(chat.messages)));
  });
});
