import type { LanguageModelV3CallOptions } from '@ai-sdk/provider';
import { describe, expect, it } from 'vitest';
import { buildPrompt, SUMMARY_PREAMBLE } from '../runner/prompt.js';
import { MemoryStore } from '../store/memory/memory-store.js';
import { createScriptedModel, scriptedText } from '../testing/index.js';
import { compactSession } from './compact-session.js';
import { COMPACTION_SYSTEM_PROMPT } from './summarize.js';
import { conversationProblems, HistoryBuilder } from './test-history.js';
import { estimateTokens } from './token-estimate.js';

async function seed(store: MemoryStore, history: HistoryBuilder): Promise<string> {
  const { session } = await store.createSession({ appId: 'app_1' });
  await store.appendEvents({ sessionId: session.id, events: history.events, update: { turnCount: history.turn } });
  return session.id;
}

function chats(from: number, to: number, history = new HistoryBuilder()): HistoryBuilder {
  for (let turn = from; turn <= to; turn++) history.chat(`question ${turn}`, `answer ${turn}`);
  return history;
}

/** The text the compaction model was asked to summarise in one call. */
function requestText(call: LanguageModelV3CallOptions): string {
  return call.prompt
    .flatMap((message) =>
      message.role === 'user' ? message.content.flatMap((part) => (part.type === 'text' ? [part.text] : [])) : [],
    )
    .join('\n');
}

function systemText(call: LanguageModelV3CallOptions): string {
  return call.prompt.flatMap((message) => (message.role === 'system' ? [message.content] : [])).join('\n');
}

describe('compactSession', () => {
  it('writes one compaction event, after which the context starts at the summary', async () => {
    const store = new MemoryStore();
    const sessionId = await seed(store, chats(1, 10));
    const before = (await store.readEvents(sessionId, { limit: 1000 })).events.length;
    const model = createScriptedModel([scriptedText('The user asked ten questions.')]);

    const result = await compactSession({ store, sessionId, model, keepTail: 4 });

    expect(result).toMatchObject({ compacted: true, summary: 'The user asked ten questions.', throughSeq: 32 });
    expect(result.event).toMatchObject({
      type: 'compaction',
      turn: 10,
      data: { summary: result.summary, throughSeq: 32 },
    });
    const after = (await store.readEvents(sessionId, { limit: 1000 })).events;
    expect(after).toHaveLength(before + 1);
    expect(after.filter((event) => event.type === 'compaction')).toHaveLength(1);

    const context = await store.readContext(sessionId);
    expect(context.compaction?.data).toEqual({ summary: 'The user asked ten questions.', throughSeq: 32 });
    expect(context.events.every((event) => event.seq > 32)).toBe(true);
    const prompt = buildPrompt({ summary: context.compaction?.data.summary, events: context.events });
    expect(conversationProblems(prompt)).toEqual([]);
    expect(prompt.filter((message) => message.role !== 'system')[0]?.role).toBe('user');

    // The model saw the summarised turns as a transcript, and nothing of the kept tail.
    expect(model.calls).toHaveLength(1);
    const asked = requestText(model.calls[0]!);
    expect(asked).toContain('User: question 1');
    expect(asked).toContain('Assistant: answer 8');
    expect(asked).not.toContain('question 9');
    expect(systemText(model.calls[0]!)).toBe(COMPACTION_SYSTEM_PROMPT);
  });

  it('leaves superseded events (a regenerate or an edit truncated them) out of the summary', async () => {
    const store = new MemoryStore();
    const history = chats(1, 3);
    // Turn 4 edits turn 2's question: it continues from after turn 1 (seq 4), superseding turns 2 and 3.
    const data = { inputIds: ['in_edit'], inputCount: 1, model: 'scripted', rewindTo: 4 };
    history.events.push(
      { type: 'turn-start', turn: 4, data },
      { type: 'input', turn: 4, data: { inputId: 'in_edit', text: 'question 2, edited' } },
      { type: 'message', turn: 4, data: { messageId: 'msg_edit', role: 'assistant', text: 'answer 2, edited' } },
      {
        type: 'turn-end',
        turn: 4,
        data: {
          snapshotId: null,
          inputCount: 1,
          inputIds: ['in_edit'],
          stopReason: 'stop',
          usage: null,
          durationMs: 1,
        },
      },
    );
    history.turn = 4;
    const sessionId = await seed(store, chats(5, 10, history));
    const model = createScriptedModel([scriptedText('Summary.')]);

    const result = await compactSession({ store, sessionId, model, keepTail: 4 });

    expect(result.compacted).toBe(true);
    const asked = requestText(model.calls[0]!);
    expect(asked).toContain('User: question 1');
    expect(asked).toContain('User: question 2, edited');
    expect(asked).not.toContain('User: question 2\n');
    expect(asked).not.toContain('question 3');
    expect(asked).not.toContain('answer 3');
    // The log itself still holds them.
    const log = (await store.readEvents(sessionId, { limit: 1000 })).events;
    expect(log.some((event) => event.type === 'input' && event.data.text === 'question 3')).toBe(true);
  });

  it('summarises the previous summary with the new events (summary of summaries)', async () => {
    const store = new MemoryStore();
    const history = chats(1, 6);
    const sessionId = await seed(store, history);
    await compactSession({
      store,
      sessionId,
      model: createScriptedModel([scriptedText('FIRST SUMMARY')]),
      keepTail: 2,
    });
    const more = chats(7, 12, new HistoryBuilder());
    await store.appendEvents({
      sessionId,
      events: more.events.map((event) => ({ ...event, turn: event.turn + 6 })),
      update: { turnCount: 12 },
    });

    const model = createScriptedModel([scriptedText('SECOND SUMMARY')]);
    const result = await compactSession({
      store,
      sessionId,
      model,
      keepTail: 2,
      instructions: 'Mention every answer.',
    });

    const asked = requestText(model.calls[0]!);
    expect(asked).toContain(`${SUMMARY_PREAMBLE}\nFIRST SUMMARY`);
    expect(asked).toContain('question 6');
    expect(asked).toContain('question 11');
    // Events the first summary covers are not sent again.
    expect(asked).not.toContain('question 1\n');
    expect(systemText(model.calls[0]!)).toContain('Mention every answer.');
    const context = await store.readContext(sessionId);
    expect(context.compaction?.data).toEqual({ summary: 'SECOND SUMMARY', throughSeq: result.throughSeq });
    expect(context.compaction?.turn).toBe(12);
  });

  it('summarises a large history in parts, then merges the part summaries', async () => {
    const store = new MemoryStore();
    const history = new HistoryBuilder();
    for (let turn = 1; turn <= 40; turn++) {
      history.chat(`question ${turn}: ${'tell me about the weather in Paris '.repeat(3)}`, `answer ${turn}`);
    }
    const sessionId = await seed(store, history);
    const long = 'The user keeps asking about the weather in Paris and the assistant keeps answering. '.repeat(4);
    const model = createScriptedModel(({ prompt, callIndex }) => {
      const merging = requestText({ prompt } as LanguageModelV3CallOptions).startsWith('Below are summaries');
      return scriptedText(merging ? `merged ${callIndex}` : `${long}(part ${callIndex})`);
    });

    const result = await compactSession({ store, sessionId, model, keepTail: 2, maxSummaryInputTokens: 200 });

    const requests = model.calls.map(requestText);
    expect(requests.length).toBeGreaterThan(4);
    expect(requests[0]).toMatch(/^This is part 1 of \d+/);
    expect(requests[0]).toContain('question 1:');
    // Part summaries are too long to merge at once: they are merged in groups first.
    expect(requests.some((text) => text.includes('(group 1 of'))).toBe(true);
    const last = requests.at(-1)!;
    expect(last).toMatch(/^Below are summaries of consecutive parts/);
    expect(result.summary).toBe(`merged ${model.calls.length - 1}`);
    for (const text of requests) {
      const material = text.slice(text.indexOf('\n\n') + 2);
      expect(estimateTokens(material)).toBeLessThanOrEqual(200);
    }
    expect((await store.readContext(sessionId)).compaction?.data.summary).toBe(result.summary);
  });

  it('leaves the history intact and throws unavailable when the compaction model fails', async () => {
    const store = new MemoryStore();
    const sessionId = await seed(store, chats(1, 6));
    const before = await store.readEvents(sessionId, { limit: 1000 });
    const model = createScriptedModel([{ parts: [{ throw: new Error('down') }] }]);

    const failure = await compactSession({ store, sessionId, model, keepTail: 2 }).catch((error: unknown) => error);

    expect(failure).toMatchObject({ name: 'ConfabError', code: 'unavailable', cause: new Error('down') });
    expect(await store.readEvents(sessionId, { limit: 1000 })).toEqual(before);
    expect((await store.readContext(sessionId)).compaction).toBeNull();
  });

  it('treats an empty summary as a failure', async () => {
    const store = new MemoryStore();
    const sessionId = await seed(store, chats(1, 6));
    const model = createScriptedModel([scriptedText('   ')]);
    await expect(compactSession({ store, sessionId, model, keepTail: 2 })).rejects.toMatchObject({
      code: 'unavailable',
    });
    expect((await store.readContext(sessionId)).compaction).toBeNull();
  });

  it('does nothing, without calling the model, when there is nothing to compact', async () => {
    const store = new MemoryStore();
    const sessionId = await seed(store, chats(1, 3));
    const model = createScriptedModel([]);
    expect(await compactSession({ store, sessionId, model })).toEqual({
      compacted: false,
      summary: null,
      throughSeq: null,
    });
    expect(model.calls).toHaveLength(0);
  });

  it('writes under the given lease and turn', async () => {
    const store = new MemoryStore();
    const sessionId = await seed(store, chats(1, 5));
    const lease = await store.acquireLease(sessionId, 'runner-1', 60_000);
    const model = createScriptedModel([scriptedText('leased summary'), scriptedText('unleased summary')]);

    const result = await compactSession({ store, sessionId, model, keepTail: 2, lease, turn: 3 });
    expect(result.event).toMatchObject({ turn: 3, data: { summary: 'leased summary' } });

    await store.appendEvents({ sessionId, lease, events: chats(6, 8).events });
    await expect(compactSession({ store, sessionId, model, keepTail: 2 })).rejects.toMatchObject({ code: 'conflict' });
    expect((await store.readContext(sessionId)).compaction?.data.summary).toBe('leased summary');
  });

  it('rejects bad options and an aborted signal before calling the model', async () => {
    const store = new MemoryStore();
    const sessionId = await seed(store, chats(1, 5));
    const model = createScriptedModel([]);
    await expect(compactSession({ store, sessionId, model, keepTail: 0 })).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    await expect(compactSession({ store, sessionId, model, maxSummaryInputTokens: 10 })).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    const controller = new AbortController();
    controller.abort(new Error('stopped'));
    await expect(compactSession({ store, sessionId, model, keepTail: 2, signal: controller.signal })).rejects.toThrow(
      'stopped',
    );
    expect(model.calls).toHaveLength(0);
  });
});
