import { DefaultChatTransport, readUIMessageStream, type UIMessage, type UIMessageChunk } from 'ai';
import { MemoryStore, Pool } from 'confab';
import { afterAll, describe, expect, it } from 'vitest';
import { type ChatBackend, readChatMessages, resumeChatStream, runChatRequest } from './chat-backend.js';
import { parseChatRequest } from './chat-request.js';
import { toUIMessageStreamResponse } from './ui-message-stream-response.js';

const store = new MemoryStore();
const pool = new Pool({ store });
const backend: ChatBackend = { pool, store };
afterAll(() => pool.close());

/** The two routes of docs/ai-sdk-ui.md, as an app would write them (a fetch-style handler). */
async function handle(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const resume = /^\/api\/chat\/([^/]+)\/stream$/.exec(url.pathname);
  if (request.method === 'GET' && resume) {
    const chat = await resumeChatStream(backend, decodeURIComponent(resume[1] as string));
    return chat ? toUIMessageStreamResponse(chat.chunks, { heartbeatMs: 10 }) : new Response(null, { status: 204 });
  }
  const chat = await runChatRequest(backend, await parseChatRequest(await request.json()));
  return toUIMessageStreamResponse(chat.chunks, { heartbeatMs: 10 });
}

const raw: string[] = [];
/** `useChat`'s transport, its fetch answered by the handler above (no network in between). */
const transport = new DefaultChatTransport<UIMessage>({
  api: 'http://app.test/api/chat',
  fetch: async (input, init) => {
    const response = await handle(new Request(input as string, init as RequestInit));
    if (!response.body) return response;
    const [forTest, forClient] = response.body.tee();
    void new Response(forTest).text().then((text) => raw.push(text));
    return new Response(forClient, { status: response.status, headers: response.headers });
  },
});

async function lastMessageOf(stream: ReadableStream<UIMessageChunk>): Promise<UIMessage> {
  let last: UIMessage | undefined;
  for await (const message of readUIMessageStream({ stream })) last = message;
  return last as UIMessage;
}

describe('the library in an app route', () => {
  it('answers useChat with a UI message stream, and the chat reads back as the same UIMessages', async () => {
    const user: UIMessage = { id: 'u1', role: 'user', parts: [{ type: 'text', text: '/sleep 50 library' }] };
    const stream = await transport.sendMessages({
      chatId: 'lib-chat',
      messages: [user],
      trigger: 'submit-message',
      messageId: undefined,
      abortSignal: undefined,
    });
    const assistant = await lastMessageOf(stream);
    expect(assistant.parts.filter((part) => part.type === 'text')).toMatchObject([{ text: 'echo: library' }]);
    const messages = await readChatMessages(backend, 'lib-chat');
    expect(messages).toEqual(JSON.parse(JSON.stringify([user, assistant])));
    expect(await transport.reconnectToStream({ chatId: 'lib-chat' })).toBeNull();
    await expect.poll(() => raw.length).toBe(1);
    const frames = (raw[0] as string).split('\n\n').filter(Boolean);
    expect(frames.at(-1)).toBe('data: [DONE]');
    expect(frames.filter((frame) => frame.startsWith(':')).every((frame) => frame === ': heartbeat')).toBe(true);
    expect(frames.filter((frame) => !frame.startsWith(':')).every((frame) => frame.startsWith('data: '))).toBe(true);
  });
});
