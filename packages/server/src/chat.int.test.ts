import {
  lastAssistantMessageIsCompleteWithApprovalResponses,
  lastAssistantMessageIsCompleteWithToolCalls,
  type UIMessage,
} from 'ai';
import { defineAgent, type SessionEvent, tool } from 'confab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createGatedModel } from './test-support/gated-model.js';
import { eventually, type Loose, startTestServer, type TestServer } from './test-support/harness.js';
import { TestChat, type TestChatOptions } from './test-support/test-chat.js';

let t: TestServer;
const deployed: string[] = [];
const gated = createGatedModel();

beforeAll(async () => {
  // Chats created with agent "guarded" get a server tool that needs approval, "gated" a model the
  // test streams by hand; the others the plain echo agent.
  t = await startTestServer({
    pool: {
      factory: (session, model) => {
        if (session.agent === 'gated') return defineAgent({ model: gated.model });
        if (session.agent !== 'guarded' && session.agent !== 'gated-guarded') return defineAgent({ model });
        return defineAgent({
          model: session.agent === 'gated-guarded' ? gated.model : model,
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
        });
      },
    },
  });
});
afterAll(() => t.close());

let chats = 0;
const newChatId = () => `chat-${++chats}-${Math.random().toString(36).slice(2)}`;
const newChat = (options: Partial<TestChatOptions> = {}) =>
  new TestChat({ url: t.url, token: t.tokens.a, id: newChatId(), ...options });

const chunkTypes = (chunks: Loose[]) => chunks.map((chunk) => chunk.type);
/** What a client keeps of a message once it went through JSON (undefined fields dropped). */
const asJson = <T>(value: T): T => JSON.parse(JSON.stringify(value));

async function messagesOf(chatId: string, api = t.api): Promise<UIMessage[]> {
  const answer = await api.get(`/v1/chat/${chatId}/messages`);
  expect(answer.status).toBe(200);
  return answer.body.messages;
}

async function eventsOf(chatId: string): Promise<SessionEvent[]> {
  const session = await t.api.createSession({ clientSessionId: chatId });
  return (await t.api.get(`/v1/sessions/${session.id}/events?limit=1000`)).body.events;
}

/** Waits until the chat settled: nothing in flight, and `check` holds. */
const settled = (chat: TestChat, check: () => boolean = () => true) =>
  eventually(() => chat.status !== 'submitted' && chat.status !== 'streaming' && check());

/** No chunk that opens or carries a part twice: every part id starts once, every delta is new. */
function expectNoPartTwice(chunks: Loose[]): void {
  const starts = chunks.filter((chunk) => chunk.type.endsWith('-start') && chunk.type !== 'start');
  const keys = starts.map((chunk) => `${chunk.type}:${chunk.id ?? chunk.toolCallId}`);
  expect(new Set(keys).size).toBe(keys.length);
  expect(chunks.filter((chunk) => chunk.type === 'start')).toHaveLength(1);
  expect(chunks.filter((chunk) => chunk.type === 'finish').length).toBeLessThanOrEqual(1);
}

describe('POST /v1/chat with the AI SDK chat', () => {
  it('streams an answer into the chat, and GET …/messages returns the same messages', async () => {
    const chat = newChat();
    await chat.sendMessage({ text: 'hello there' });
    expect(chat.status).toBe('ready');
    expect(chat.messages.map((message) => message.role)).toEqual(['user', 'assistant']);
    expect(TestChat.textOf(chat.messages[1])).toBe('echo: hello there');
    const chunks = chat.chunks[0] ?? [];
    expect(chunkTypes(chunks)).toEqual([
      'start',
      'start-step',
      'text-start',
      ...chunks.filter((chunk) => chunk.type === 'text-delta').map(() => 'text-delta'),
      'text-end',
      'finish-step',
      'finish',
    ]);
    expect(chunks.filter((chunk) => chunk.type === 'text-delta').length).toBeGreaterThan(1);
    expect(chunks.at(-1)).toEqual({ type: 'finish', finishReason: 'stop' });
    // The assistant message's id is the one the log recorded for the turn.
    const events = await eventsOf(chat.id);
    const turnStart = events.find((event) => event.type === 'turn-start') as Loose;
    expect(chunks[0]).toEqual({ type: 'start', messageId: turnStart.data.assistantMessageId });
    expect(chat.messages[1]?.id).toBe(turnStart.data.assistantMessageId);
    expect(turnStart.data.userMessageId).toBe(chat.messages[0]?.id);
    expect(await messagesOf(chat.id)).toEqual(asJson(chat.messages));
  });

  it('answers with the UI message stream headers, data frames and [DONE]', async () => {
    const response = await t.api.fetch('POST', '/v1/chat', {
      body: { id: newChatId(), messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: 'wire' }] }] },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('x-vercel-ai-ui-message-stream')).toBe('v1');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    const text = await response.text();
    const frames = text.split('\n\n').filter(Boolean);
    const data = frames.filter((frame) => frame.startsWith('data: '));
    expect(data.at(-1)).toBe('data: [DONE]');
    expect(frames.filter((frame) => !frame.startsWith('data: ')).every((frame) => frame.startsWith(':'))).toBe(true);
    expect(JSON.parse((data[0] as string).slice(6))).toMatchObject({ type: 'start' });
  });

  it('refuses bad requests before the stream with the error shape', async () => {
    const id = newChatId();
    const noMessages = await t.api.post('/v1/chat', { id });
    expect(noMessages.status).toBe(400);
    expect(noMessages.body.error.code).toBe('invalid_argument');
    const badMessage = await t.api.post('/v1/chat', { id, messages: [{ role: 'user' }] });
    expect(badMessage.status).toBe(400);
    const noId = await t.api.post('/v1/chat', { messages: [] });
    expect(noId.status).toBe(400);
    const orphanAnswer = await t.api.post('/v1/chat', {
      id,
      messages: [{ id: 'a1', role: 'assistant', parts: [{ type: 'text', text: 'hi' }] }],
    });
    expect(orphanAnswer.status).toBe(412);
    expect(orphanAnswer.body.error.code).toBe('failed_precondition');
    const unauthenticated = await t.api.post('/v1/chat', { id }, { token: null });
    expect(unauthenticated.status).toBe(401);
    const badModel = await t.api.post('/v1/chat', {
      id: newChatId(),
      model: 'nope:nothing',
      messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: 'x' }] }],
    });
    expect(badModel.status).toBe(400);
  });

  it('is in the OpenAPI document', async () => {
    const document = (await t.api.get('/v1/openapi.json')).body;
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/v1/chat', '/v1/chat/{id}/stream', '/v1/chat/{id}/stop', '/v1/chat/{id}/messages']),
    );
    expect(document.paths['/v1/chat'].post.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/ChatRequest',
    });
    expect(Object.keys(document.paths['/v1/chat/{id}/stream'].get.responses)).toEqual(
      expect.arrayContaining(['200', '204']),
    );
    expect(document.components.schemas.ChatRequest.required).toContain('id');
  });

  it('runs one turn for the same user message id sent twice, and replays it', async () => {
    const id = newChatId();
    const body = { id, messages: [{ id: 'same-1', role: 'user', parts: [{ type: 'text', text: 'once' }] }] };
    const first = await (await t.api.fetch('POST', '/v1/chat', { body })).text();
    const second = await (await t.api.fetch('POST', '/v1/chat', { body })).text();
    const startOf = (text: string) => text.split('\n\n').find((frame) => frame.includes('"type":"start"'));
    expect(startOf(second)).toBe(startOf(first));
    const events = await eventsOf(id);
    expect(events.filter((event) => event.type === 'turn-start')).toHaveLength(1);
    expect(await messagesOf(id)).toHaveLength(2);
  });

  it("keeps another app's chat with the same id unrelated", async () => {
    const id = newChatId();
    const mine = newChat({ id });
    const theirs = new TestChat({ url: t.url, token: t.tokens.b, id });
    await mine.sendMessage({ text: 'from app a' });
    await theirs.sendMessage({ text: 'from app b' });
    expect(TestChat.textOf((await messagesOf(id))[1])).toBe('echo: from app a');
    const theirMessages = await messagesOf(id, t.as('b'));
    expect(theirMessages.map((message) => TestChat.textOf(message))).toEqual(['from app b', 'echo: from app b']);
    const sessions = await t.api.get('/v1/sessions');
    const mineOnly = sessions.body.sessions.filter((session: Loose) => session.clientSessionId === id);
    expect(mineOnly).toHaveLength(1);
  });
});

describe('tools', () => {
  it('asks for approval, and an approval continues the same assistant message', async () => {
    const chat = newChat({
      body: { agent: 'guarded' },
      sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithApprovalResponses,
    });
    await chat.sendMessage({ text: '/tool deploy {"target":"prod"}' });
    const assistant = chat.messages[1] as Loose;
    const part = assistant.parts.find((candidate: Loose) => candidate.type === 'tool-deploy');
    expect(part).toMatchObject({ state: 'approval-requested', input: { target: 'prod' } });
    expect(chat.chunks[0]?.at(-1)).toEqual({ type: 'finish', finishReason: 'tool-calls' });
    expect(deployed).not.toContain('prod');
    await chat.addToolApprovalResponse({ id: part.approval.id, approved: true });
    await settled(chat, () => chat.chunks.length === 2);
    expect(chat.status).toBe('ready');
    expect(deployed).toContain('prod');
    expect(chat.messages).toHaveLength(2);
    const continued = chat.messages[1] as Loose;
    expect(continued.id).toBe(assistant.id);
    expect(chat.chunks[1]?.[0]).toEqual({ type: 'start', messageId: assistant.id });
    expect(continued.parts.find((candidate: Loose) => candidate.type === 'tool-deploy')).toMatchObject({
      state: 'output-available',
      output: { deployed: 'prod' },
    });
    expect(TestChat.textOf(continued)).toBe('echo: {"deployed":"prod"}');
    expect(await messagesOf(chat.id)).toEqual(asJson(chat.messages));
  });

  it("a chat opened (GET …/stream, …/messages) before its first POST takes that POST's agent", async () => {
    const chat = newChat({ body: { agent: 'guarded' } });
    expect((await t.api.fetch('GET', `/v1/chat/${chat.id}/stream`)).status).toBe(204);
    expect(await messagesOf(chat.id)).toEqual([]);
    await chat.sendMessage({ text: '/tool deploy {"target":"opened-first"}' });
    const part = (chat.messages[1] as Loose).parts.find((candidate: Loose) => candidate.type === 'tool-deploy');
    expect(part?.state).toBe('approval-requested');
  });

  it('a denial ends the call as denied, and the model carries on', async () => {
    const chat = newChat({
      body: { agent: 'guarded' },
      sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithApprovalResponses,
    });
    await chat.sendMessage({ text: '/tool deploy {"target":"staging"}' });
    const part = (chat.messages[1] as Loose).parts.find((candidate: Loose) => candidate.type === 'tool-deploy');
    await chat.addToolApprovalResponse({ id: part.approval.id, approved: false });
    await settled(chat, () => chat.chunks.length === 2);
    expect(deployed).not.toContain('staging');
    expect(chunkTypes(chat.chunks[1] ?? [])).toContain('tool-output-denied');
    const denied = (chat.messages[1] as Loose).parts.find((candidate: Loose) => candidate.type === 'tool-deploy');
    expect(denied.state).toBe('output-denied');
    expect(await messagesOf(chat.id)).toEqual(asJson(chat.messages));
  });

  it('a client tool is answered with addToolOutput and the turn continues', async () => {
    const chat: TestChat = newChat({
      body: { tools: [{ name: 'pickColor', inputSchema: { type: 'object' } }] },
      sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithToolCalls,
      onToolCall: ({ toolCall }) => {
        void chat.addToolOutput({
          tool: toolCall.toolName,
          toolCallId: toolCall.toolCallId,
          output: { color: 'teal' },
        });
      },
    });
    await chat.sendMessage({ text: '/tool pickColor {"from":"palette"}' });
    await settled(chat, () => chat.chunks.length === 2);
    expect(chat.messages).toHaveLength(2);
    const assistant = chat.messages[1] as Loose;
    expect(assistant.parts.find((part: Loose) => part.type === 'tool-pickColor')).toMatchObject({
      state: 'output-available',
      input: { from: 'palette' },
      output: { color: 'teal' },
    });
    expect(TestChat.textOf(assistant)).toBe('echo: {"color":"teal"}');
    expect(await messagesOf(chat.id)).toEqual(asJson(chat.messages));
    const events = await eventsOf(chat.id);
    expect(events.find((event) => event.type === 'tool-result')?.data).toMatchObject({ output: { color: 'teal' } });
  });
});

describe('stop and resume', () => {
  it('a stop mid-answer keeps the partial text: what the chat shows is what the log holds', async () => {
    const chat = newChat({ body: { agent: 'gated' } });
    const sent = chat.sendMessage({ text: 'tell me a long story' });
    const call = await gated.nextCall();
    call.text('Once upon ');
    call.text('a time');
    await eventually(() => TestChat.textOf(chat.messages[1]) === 'Once upon a time');
    const stop = await t.api.post(`/v1/chat/${chat.id}/stop`);
    expect(stop.body).toEqual({ ok: true, stopped: true });
    await sent;
    expect(chat.status).toBe('ready');
    expect(chat.chunks[0]?.at(-1)).toEqual({ type: 'finish', finishReason: 'other' });
    expect(TestChat.textOf(chat.messages[1])).toBe('Once upon a time');
    const events = await eventsOf(chat.id);
    expect(events.find((event) => event.type === 'message')?.data).toMatchObject({ text: 'Once upon a time' });
    expect(events.find((event) => event.type === 'turn-end')?.data).toMatchObject({ stopReason: 'aborted' });
    expect(await messagesOf(chat.id)).toEqual(asJson(chat.messages));
    expect((await t.api.post(`/v1/chat/${chat.id}/stop`)).body).toEqual({ ok: true, stopped: false });
  });

  it('GET …/stream answers 204 when nothing runs', async () => {
    const idle = await t.api.fetch('GET', `/v1/chat/${newChatId()}/stream`);
    expect(idle.status).toBe(204);
    const chat = newChat();
    await chat.sendMessage({ text: 'done already' });
    expect((await t.api.fetch('GET', `/v1/chat/${chat.id}/stream`)).status).toBe(204);
  });

  it('a reload mid-answer resumes through GET …/stream from the start, then live, no part twice', async () => {
    const first = newChat({ body: { agent: 'gated' } });
    const sent = first.sendMessage({ text: 'stream for a while' });
    const call = await gated.nextCall();
    call.text('Hello, ');
    await eventually(() => TestChat.textOf(first.messages[1]) === 'Hello, ');
    // The page reloads: the old chat is gone, a new one loads the messages and resumes the stream.
    const reloaded = newChat({ id: first.id, body: { agent: 'gated' }, messages: await messagesOf(first.id) });
    const resumed = reloaded.resumeStream();
    await eventually(() => TestChat.textOf(reloaded.messages.at(-1)) === 'Hello, ');
    call.text('world');
    call.text('!');
    call.finish();
    await Promise.all([sent, resumed]);
    expect(reloaded.status).toBe('ready');
    expect(reloaded.messages.map((message) => message.role)).toEqual(['user', 'assistant']);
    expect(TestChat.textOf(reloaded.messages[1])).toBe('Hello, world!');
    expect(reloaded.messages[1]?.id).toBe(first.messages[1]?.id);
    const replay = reloaded.chunks[0] ?? [];
    expectNoPartTwice(replay);
    expect(replay[0]).toEqual({ type: 'start', messageId: first.messages[1]?.id });
    expect(replay.at(-1)).toEqual({ type: 'finish', finishReason: 'stop' });
    const deltas = replay.flatMap((chunk: Loose) => (chunk.type === 'text-delta' ? [chunk.delta] : []));
    expect(deltas.join('')).toBe('Hello, world!');
    expect(asJson(reloaded.messages)).toEqual(asJson(first.messages));
    expect(await messagesOf(first.id)).toEqual(asJson(reloaded.messages));
  });
});

describe('a reload while a continuation runs', () => {
  it('GET …/stream replays the whole turn, approval included, into the same message, no part twice', async () => {
    const first = newChat({
      body: { agent: 'gated-guarded' },
      sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithApprovalResponses,
    });
    const sent = first.sendMessage({ text: 'deploy it' });
    (await gated.nextCall()).callTool('call_gated_1', 'deploy', { target: 'edge' });
    await sent;
    const assistantId = first.messages[1]?.id as string;
    const part = (first.messages[1] as Loose).parts.find((candidate: Loose) => candidate.type === 'tool-deploy');
    expect(part.state).toBe('approval-requested');
    await first.addToolApprovalResponse({ id: part.approval.id, approved: true });
    const continuation = await gated.nextCall();
    continuation.text('Deployed ');
    await eventually(() => TestChat.textOf(first.messages[1]) === 'Deployed ');
    // Reload: the messages hold the tool call and the persisted part so far; the stream replays.
    const reloaded = newChat({ id: first.id, messages: await messagesOf(first.id) });
    const resumed = reloaded.resumeStream();
    await eventually(() => TestChat.textOf(reloaded.messages.at(-1)) === 'Deployed ');
    continuation.text('to edge.');
    continuation.finish();
    await resumed;
    await settled(first, () => TestChat.textOf(first.messages[1]) === 'Deployed to edge.');
    expect(deployed).toContain('edge');
    const replay = reloaded.chunks[0] ?? [];
    expectNoPartTwice(replay);
    expect(replay[0]).toEqual({ type: 'start', messageId: assistantId });
    expect(replay.filter((chunk: Loose) => chunk.type === 'finish')).toEqual([
      { type: 'finish', finishReason: 'stop' },
    ]);
    expect(reloaded.messages.map((message) => message.id)).toEqual([first.messages[0]?.id, assistantId]);
    const tool = (reloaded.messages[1] as Loose).parts.filter((candidate: Loose) => candidate.type === 'tool-deploy');
    expect(tool).toHaveLength(1);
    expect(tool[0]).toMatchObject({ state: 'output-available', output: { deployed: 'edge' } });
    expect(TestChat.textOf(reloaded.messages[1])).toBe('Deployed to edge.');
    expect(await messagesOf(first.id)).toEqual(asJson(first.messages));
  });
});

describe('regenerate and edit on an append-only log', () => {
  it('regenerate replaces the last answer with a new one to the same user message', async () => {
    const chat = newChat();
    await chat.sendMessage({ text: 'first question' });
    await chat.sendMessage({ text: 'second question' });
    const before = chat.messages.map((message) => message.id);
    await chat.regenerate();
    expect(chat.status).toBe('ready');
    expect(chat.messages).toHaveLength(4);
    expect(chat.messages.slice(0, 3).map((message) => message.id)).toEqual(before.slice(0, 3));
    expect(chat.messages[3]?.id).not.toBe(before[3]);
    expect(TestChat.textOf(chat.messages[3])).toBe('echo: second question');
    expect(await messagesOf(chat.id)).toEqual(asJson(chat.messages));
    // The log kept the superseded answer: three turns, the last one recording the truncation.
    const events = await eventsOf(chat.id);
    const starts = events.filter((event) => event.type === 'turn-start') as Loose[];
    expect(starts).toHaveLength(3);
    expect(starts[2].data.rewindTo).toBe(starts[1].seq - 1);
    expect(events.filter((event) => event.type === 'message')).toHaveLength(3);
    // The next turn's prompt no longer holds the superseded answer (echo answers the last user text).
    await chat.sendMessage({ text: 'third' });
    expect((await messagesOf(chat.id)).map((message) => TestChat.textOf(message))).toEqual([
      'first question',
      'echo: first question',
      'second question',
      'echo: second question',
      'third',
      'echo: third',
    ]);
  });

  it('an edit of an earlier user message continues from before it with the new text', async () => {
    const chat = newChat();
    await chat.sendMessage({ text: 'one' });
    await chat.sendMessage({ text: 'two' });
    await chat.sendMessage({ text: 'three' });
    const editedId = chat.messages[2]?.id as string;
    await chat.sendMessage({ text: 'two, edited', messageId: editedId });
    expect(chat.status).toBe('ready');
    expect(chat.messages.map((message) => TestChat.textOf(message))).toEqual([
      'one',
      'echo: one',
      'two, edited',
      'echo: two, edited',
    ]);
    expect(chat.messages[2]?.id).toBe(editedId);
    expect(await messagesOf(chat.id)).toEqual(asJson(chat.messages));
    const events = await eventsOf(chat.id);
    expect(events.filter((event) => event.type === 'input').map((event) => (event.data as Loose).text)).toEqual([
      'one',
      'two',
      'three',
      'two, edited',
    ]);
    const session = await t.api.createSession({ clientSessionId: chat.id });
    const modelMessages = (await t.api.get(`/v1/sessions/${session.id}/messages`)).body.messages;
    expect(modelMessages.map((message: Loose) => message.content[0]?.text)).toEqual([
      'one',
      'echo: one',
      'two, edited',
      'echo: two, edited',
    ]);
  });
});
