import type { LanguageModelV3, LanguageModelV3Prompt } from '@ai-sdk/provider';
import {
  lastAssistantMessageIsCompleteWithApprovalResponses,
  lastAssistantMessageIsCompleteWithToolCalls,
  type UIMessage,
} from 'ai';
import { defineAgent, type SessionEvent, SUMMARY_PREAMBLE, tool } from 'confab';
import { createEchoModel } from 'confab/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createGatedModel } from './test-support/gated-model.js';
import { eventually, type Loose, startTestServer, type TestServer } from './test-support/harness.js';
import { TestChat, type TestChatOptions } from './test-support/test-chat.js';

// Live tool input, one assistant message id from the stream to the log, and regenerate and edit
// behind a compaction: the AI SDK's own chat against the real server.

let t: TestServer;
const gated = createGatedModel();
/** The prompts the `recorded` agent's model was sent, oldest first. */
const prompts: LanguageModelV3Prompt[] = [];

function recording(model: LanguageModelV3): LanguageModelV3 {
  return {
    specificationVersion: 'v3',
    provider: model.provider,
    modelId: model.modelId,
    supportedUrls: model.supportedUrls,
    doGenerate: (options) => model.doGenerate(options),
    doStream: (options) => {
      prompts.push(options.prompt);
      return model.doStream(options);
    },
  };
}

beforeAll(async () => {
  const echo = createEchoModel();
  t = await startTestServer({
    pool: {
      // keepTail 1 lets a manual compaction summarise all but the last turn.
      compaction: { keepTail: 1 },
      factory: (session, model) => {
        if (session.agent === 'gated') return defineAgent({ model: gated.model });
        if (session.agent === 'recorded') return defineAgent({ model: recording(echo) });
        if (session.agent !== 'guarded') return defineAgent({ model });
        return defineAgent({
          model,
          tools: {
            deploy: tool({
              inputSchema: z.object({ target: z.string() }),
              approval: 'always',
              execute: (input) => ({ deployed: input.target }),
            }),
          },
        });
      },
    },
  });
});
afterAll(() => t.close());

let chats = 0;
const newChatId = () => `continuity-${++chats}-${Math.random().toString(36).slice(2)}`;
const newChat = (options: Partial<TestChatOptions> = {}) =>
  new TestChat({ url: t.url, token: t.tokens.a, id: newChatId(), ...options });
const asJson = <T>(value: T): T => JSON.parse(JSON.stringify(value));

async function messagesOf(chatId: string): Promise<UIMessage[]> {
  const answer = await t.api.get(`/v1/chat/${chatId}/messages`);
  expect(answer.status).toBe(200);
  return answer.body.messages;
}

async function sessionOf(chatId: string): Promise<Loose> {
  return t.api.createSession({ clientSessionId: chatId });
}

async function eventsOf(chatId: string): Promise<SessionEvent[]> {
  const session = await sessionOf(chatId);
  return (await t.api.get(`/v1/sessions/${session.id}/events?limit=1000`)).body.events;
}

const settled = (chat: TestChat, check: () => boolean = () => true) =>
  eventually(() => chat.status !== 'submitted' && chat.status !== 'streaming' && check());

const toolPart = (message: UIMessage | undefined, type: string): Loose =>
  (message?.parts ?? []).find((part) => part.type === type);

/** Each chunk that opens a part appears once per stream, and so does each delta. */
function expectNoChunkTwice(chunks: Loose[]): void {
  const opening = chunks.filter((chunk) => chunk.type.endsWith('-start') || chunk.type.endsWith('-available'));
  const keys = opening.map((chunk) => `${chunk.type}:${chunk.id ?? chunk.toolCallId ?? chunk.messageId}`);
  expect(new Set(keys).size).toBe(keys.length);
}

/** The user and assistant texts of a prompt, in order, and whether it carried a summary. */
function promptTexts(prompt: LanguageModelV3Prompt | undefined): { texts: string[]; summarised: boolean } {
  const texts: string[] = [];
  let summarised = false;
  for (const message of prompt ?? []) {
    if (message.role === 'system') summarised ||= message.content.includes(SUMMARY_PREAMBLE);
    if (message.role !== 'user' && message.role !== 'assistant') continue;
    for (const part of message.content) {
      if (part.type !== 'text') continue;
      if (part.text.includes(SUMMARY_PREAMBLE)) summarised = true;
      else texts.push(part.text);
    }
  }
  return { texts, summarised };
}

describe('live tool input', () => {
  it('streams a tool call’s input as the model writes it; a reload and …/messages show the same part', async () => {
    const chat = newChat({
      body: { agent: 'gated', tools: [{ name: 'pickColor', inputSchema: { type: 'object' } }] },
    });
    const sent = chat.sendMessage({ text: 'pick a color' });
    const call = await gated.nextCall();
    call.toolInput('call_live_1', 'pickColor', '{"from":');
    // The part shows while its input is still being written, under the tool's name.
    await eventually(() => toolPart(chat.messages[1], 'tool-pickColor')?.state === 'input-streaming');
    expect(chat.chunks[0]).toContainEqual({
      type: 'tool-input-start',
      toolCallId: 'call_live_1',
      toolName: 'pickColor',
    });
    // A reload mid-input: the running process replays the deltas, then the stream goes on live.
    const reloaded = newChat({ id: chat.id, messages: await messagesOf(chat.id) });
    const resumed = reloaded.resumeStream();
    await eventually(() => toolPart(reloaded.messages.at(-1), 'tool-pickColor')?.state === 'input-streaming');
    call.toolInput('call_live_1', 'pickColor', '"palette"}');
    call.callTool('call_live_1', 'pickColor', { from: 'palette' });
    await Promise.all([sent, resumed]);
    await settled(chat);

    const live = chat.chunks[0] ?? [];
    expect(live.filter((chunk: Loose) => chunk.type.startsWith('tool-input'))).toEqual([
      { type: 'tool-input-start', toolCallId: 'call_live_1', toolName: 'pickColor' },
      { type: 'tool-input-delta', toolCallId: 'call_live_1', inputTextDelta: '{"from":' },
      { type: 'tool-input-delta', toolCallId: 'call_live_1', inputTextDelta: '"palette"}' },
      { type: 'tool-input-available', toolCallId: 'call_live_1', toolName: 'pickColor', input: { from: 'palette' } },
    ]);
    expectNoChunkTwice(live);
    expectNoChunkTwice(reloaded.chunks[0] ?? []);
    const part = toolPart(chat.messages[1], 'tool-pickColor');
    expect(part).toMatchObject({ state: 'input-available', input: { from: 'palette' } });
    expect(asJson(reloaded.messages)).toEqual(asJson(chat.messages));
    // The replay from the log (no deltas there) gives the same message.
    expect(await messagesOf(chat.id)).toEqual(asJson(chat.messages));
  });
});

describe('one assistant message id', () => {
  it('the persisted message, the stream’s start, a continuation and …/messages share the id', async () => {
    const chat = newChat({
      body: { agent: 'guarded' },
      sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithApprovalResponses,
    });
    await chat.sendMessage({ text: '/tool deploy {"target":"prod"}' });
    const assistantId = chat.messages[1]?.id as string;
    const part = toolPart(chat.messages[1], 'tool-deploy');
    // The echo model streams the input: the part was announced with the tool's name.
    expect(chat.chunks[0]).toContainEqual({
      type: 'tool-input-start',
      toolCallId: part.toolCallId,
      toolName: 'deploy',
    });
    await chat.addToolApprovalResponse({ id: part.approval.id, approved: true });
    await settled(chat, () => chat.chunks.length === 2);
    expect(chat.chunks.map((chunks) => chunks[0])).toEqual([
      { type: 'start', messageId: assistantId },
      { type: 'start', messageId: assistantId },
    ]);
    const events = await eventsOf(chat.id);
    const turnStart = events.find((event) => event.type === 'turn-start') as Loose;
    expect(turnStart.data.assistantMessageId).toBe(assistantId);
    // The turn's first persisted message (written in the continuation) carries the UI's id.
    const messages = events.filter((event) => event.type === 'message') as Loose[];
    expect(messages.map((message) => message.data.messageId)).toEqual([assistantId]);
    expect(chat.messages.map((message) => message.id)).toEqual([turnStart.data.userMessageId, assistantId]);
    expect(await messagesOf(chat.id)).toEqual(asJson(chat.messages));
  });

  it('later messages of the turn get ids of their own', async () => {
    const chat = newChat({
      body: { agent: 'gated', tools: [{ name: 'pickColor', inputSchema: { type: 'object' } }] },
      sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithToolCalls,
    });
    const sent = chat.sendMessage({ text: 'talk, then call' });
    const call = await gated.nextCall();
    call.text('Let me ask.');
    call.callTool('call_ids_1', 'pickColor', {});
    await sent;
    await chat.addToolOutput({ tool: 'pickColor', toolCallId: 'call_ids_1', output: 'teal' });
    const next = await gated.nextCall();
    next.text('Teal it is.');
    next.finish();
    await settled(chat, () => chat.chunks.length === 2);
    expect(TestChat.textOf(chat.messages[1])).toBe('Let me ask.Teal it is.');
    const ids = (await eventsOf(chat.id)).flatMap((event) => (event.type === 'message' ? [event.data.messageId] : []));
    expect(ids).toHaveLength(2);
    expect(ids[0]).toBe(chat.messages[1]?.id);
    expect(ids[1]).not.toBe(ids[0]);
    expect(await messagesOf(chat.id)).toEqual(asJson(chat.messages));
  });
});

describe('a new message while a client tool call waits', () => {
  it('streams only the new turn: the closing of the unanswered call stays with the earlier message', async () => {
    const chat = newChat({ body: { tools: [{ name: 'pickColor', inputSchema: { type: 'object' } }] } });
    await chat.sendMessage({ text: '/tool pickColor {}' });
    expect(toolPart(chat.messages[1], 'tool-pickColor')?.state).toBe('input-available');
    // The user moves on without answering (found by the fuzzer: this stream began with the error).
    await chat.sendMessage({ text: 'never mind' });
    expect(chat.error).toBeUndefined();
    const chunks = chat.chunks[1] ?? [];
    expect(chunks[0]).toEqual({ type: 'start', messageId: chat.messages[3]?.id });
    expect(chunks.some((chunk: Loose) => chunk.type === 'tool-output-error')).toBe(false);
    expect(TestChat.textOf(chat.messages[3])).toBe('echo: never mind');
    // After a reload the earlier message shows the call closed with its error.
    const reloaded = await messagesOf(chat.id);
    expect(toolPart(reloaded[1], 'tool-pickColor')).toMatchObject({ state: 'output-error' });
    expect(reloaded.slice(2)).toEqual(asJson(chat.messages.slice(2)));
  });
});

describe('regenerate and edit behind a compaction', () => {
  async function compactedChat(): Promise<{ chat: TestChat; sessionId: string }> {
    const chat = newChat({ body: { agent: 'recorded' } });
    for (const text of ['one', 'two', 'three', 'four']) await chat.sendMessage({ text });
    const session = await sessionOf(chat.id);
    const compacted = await t.api.post(`/v1/sessions/${session.id}/compact`);
    expect(compacted.body.compacted).toBe(true);
    const turnStarts = (await eventsOf(chat.id)).filter((event) => event.type === 'turn-start');
    // The summary covers the first turns: the messages edited below are behind it.
    expect(compacted.body.throughSeq).toBeGreaterThan((turnStarts[2] as SessionEvent).seq);
    return { chat, sessionId: session.id };
  }

  it('an edit of an early message works: the prompt is the log before it, without the summary', async () => {
    const { chat, sessionId } = await compactedChat();
    // The chat view still holds every message, also those the summary covers.
    expect((await messagesOf(chat.id)).map((message) => TestChat.textOf(message))).toEqual(
      chat.messages.map((message) => TestChat.textOf(message)),
    );
    const editedId = chat.messages[2]?.id as string;
    await chat.sendMessage({ text: 'two, edited', messageId: editedId });
    expect(chat.status).toBe('ready');
    expect(chat.error).toBeUndefined();
    const expected = ['one', 'echo: one', 'two, edited', 'echo: two, edited'];
    expect(chat.messages.map((message) => TestChat.textOf(message))).toEqual(expected);
    expect(promptTexts(prompts.at(-1))).toEqual({ texts: ['one', 'echo: one', 'two, edited'], summarised: false });
    expect(await messagesOf(chat.id)).toEqual(asJson(chat.messages));
    const modelView = (await t.api.get(`/v1/sessions/${sessionId}/messages`)).body;
    expect(modelView.summary).toBeNull();
    expect(modelView.messages.map((message: Loose) => message.content[0]?.text)).toEqual(expected);
    // The next turn continues from the edited conversation, and so does a later compaction.
    await chat.sendMessage({ text: 'five' });
    expect(promptTexts(prompts.at(-1)).texts).toEqual([...expected, 'five']);
    const again = await t.api.post(`/v1/sessions/${sessionId}/compact`);
    expect(again.body.compacted).toBe(true);
    expect(again.body.summary).not.toContain('three');
    await chat.sendMessage({ text: 'six' });
    const last = promptTexts(prompts.at(-1));
    expect(last.summarised).toBe(true);
    expect(last.texts.at(-1)).toBe('six');
    expect(last.texts).not.toContain('three');
    expect((await messagesOf(chat.id)).map((message) => TestChat.textOf(message))).toEqual([
      ...expected,
      'five',
      'echo: five',
      'six',
      'echo: six',
    ]);
  });

  it('a regenerate whose turn the summary covers answers again from the log before it', async () => {
    const { chat } = await compactedChat();
    // Regenerate the answer to "two": the chat is cut back to it first, as a UI does.
    const twoAnswer = chat.messages[3]?.id as string;
    await chat.regenerate({ messageId: twoAnswer });
    expect(chat.status).toBe('ready');
    expect(chat.error).toBeUndefined();
    expect(chat.messages.map((message) => TestChat.textOf(message))).toEqual(['one', 'echo: one', 'two', 'echo: two']);
    expect(chat.messages[3]?.id).not.toBe(twoAnswer);
    expect(promptTexts(prompts.at(-1))).toEqual({ texts: ['one', 'echo: one', 'two'], summarised: false });
    expect(await messagesOf(chat.id)).toEqual(asJson(chat.messages));
  });
});
