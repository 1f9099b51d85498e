import type {
  LanguageModelV3,
  LanguageModelV3Message,
  LanguageModelV3Prompt,
  LanguageModelV3StreamPart,
  LanguageModelV3ToolResultOutput,
} from '@ai-sdk/provider';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEchoModel } from './echo-model.js';

const user = (text: string): LanguageModelV3Message => ({ role: 'user', content: [{ type: 'text', text }] });
const assistant = (text: string): LanguageModelV3Message => ({ role: 'assistant', content: [{ type: 'text', text }] });

async function readAll(stream: ReadableStream<LanguageModelV3StreamPart>): Promise<LanguageModelV3StreamPart[]> {
  return readInto(stream, []);
}

// Reads into `parts` so a test can still inspect what arrived before the stream errored.
async function readInto(
  stream: ReadableStream<LanguageModelV3StreamPart>,
  parts: LanguageModelV3StreamPart[],
): Promise<LanguageModelV3StreamPart[]> {
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return parts;
    parts.push(value);
  }
}

async function streamParts(model: LanguageModelV3, prompt: LanguageModelV3Prompt) {
  const { stream } = await model.doStream({ prompt });
  return readAll(stream);
}

function textOf(parts: LanguageModelV3StreamPart[]): string {
  return parts.map((part) => (part.type === 'text-delta' ? part.delta : '')).join('');
}

function toolRoundTripPrompt(output: LanguageModelV3ToolResultOutput): LanguageModelV3Prompt {
  return [
    user('/tool lookup {"a":1}'),
    { role: 'assistant', content: [{ type: 'tool-call', toolCallId: 'call_1', toolName: 'lookup', input: { a: 1 } }] },
    { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'call_1', toolName: 'lookup', output }] },
  ];
}

describe('createEchoModel', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('identifies itself as confab/echo', () => {
    const model = createEchoModel();
    expect([model.specificationVersion, model.provider, model.modelId]).toEqual(['v3', 'confab', 'echo']);
  });

  it('streams `echo: <text>` as several deltas of chunkSize between text-start and text-end', async () => {
    const parts = await streamParts(createEchoModel(), [{ role: 'system', content: 'be brief' }, user('hello world')]);
    const types = parts.map((part) => part.type);
    expect(types[0]).toBe('stream-start');
    expect(types[1]).toBe('text-start');
    expect(types.slice(2, -2).every((type) => type === 'text-delta')).toBe(true);
    expect(types.slice(-2)).toEqual(['text-end', 'finish']);

    const deltas = parts.flatMap((part) => (part.type === 'text-delta' ? [part.delta] : []));
    expect(deltas).toEqual(['echo: he', 'llo worl', 'd']);
    expect(textOf(parts)).toBe('echo: hello world');
    const ids = new Set(parts.flatMap((part) => ('id' in part ? [part.id] : [])));
    expect(ids.size).toBe(1);

    const finish = parts.at(-1);
    expect(finish).toMatchObject({
      type: 'finish',
      finishReason: { unified: 'stop', raw: 'stop' },
      usage: { inputTokens: { total: 4 }, outputTokens: { total: 3 } },
    });
  });

  it('sends at least two deltas even when chunkSize exceeds the text', async () => {
    const parts = await streamParts(createEchoModel({ chunkSize: 1000 }), [user('hi')]);
    const deltas = parts.filter((part) => part.type === 'text-delta');
    expect(deltas.length).toBe(2);
    expect(textOf(parts)).toBe('echo: hi');
  });

  it('joins the trailing user messages of a batched turn with a newline', async () => {
    const parts = await streamParts(createEchoModel(), [
      user('earlier'),
      assistant('echo: earlier'),
      user('one'),
      user('two'),
    ]);
    expect(textOf(parts)).toBe('echo: one\ntwo');
  });

  it('calls the tool on `/tool <name> <json>`, then echoes the result once it is in', async () => {
    const model = createEchoModel({ chunkSize: 3 });
    const first = await streamParts(model, [user('/tool lookup {"a": 1}')]);
    expect(first.map((part) => part.type)).toEqual([
      'stream-start',
      'tool-input-start',
      'tool-input-delta',
      'tool-input-delta',
      'tool-input-delta',
      'tool-input-end',
      'tool-call',
      'finish',
    ]);
    const input = first.map((part) => (part.type === 'tool-input-delta' ? part.delta : '')).join('');
    expect(input).toBe('{"a":1}');
    expect(first.find((part) => part.type === 'tool-call')).toEqual({
      type: 'tool-call',
      toolCallId: 'call_1',
      toolName: 'lookup',
      input: '{"a":1}',
    });
    expect(first.at(-1)).toMatchObject({ finishReason: { unified: 'tool-calls', raw: 'tool_calls' } });

    const second = await streamParts(model, toolRoundTripPrompt({ type: 'json', value: { a: 1 } }));
    expect(textOf(second)).toBe('echo: {"a":1}');
    expect(second.at(-1)).toMatchObject({ finishReason: { unified: 'stop' } });
  });

  it('gives each tool call a new id, above those already in the history', async () => {
    const model = createEchoModel();
    const idOf = async (prompt: LanguageModelV3Prompt) =>
      (await streamParts(model, prompt)).find((part) => part.type === 'tool-call');
    expect(await idOf([user('/tool a {}')])).toMatchObject({ toolCallId: 'call_1' });
    expect(await idOf([user('/tool a {}')])).toMatchObject({ toolCallId: 'call_2' });
    const history = [...toolRoundTripPrompt({ type: 'json', value: 1 }), assistant('ok'), user('/tool b []')];
    history[1] = {
      role: 'assistant',
      content: [{ type: 'tool-call', toolCallId: 'call_9', toolName: 'x', input: {} }],
    };
    expect(await idOf(history)).toMatchObject({ toolCallId: 'call_10' });
  });

  it('echoes text results as JSON strings, denials as `denied`, and only the last result', async () => {
    const model = createEchoModel();
    expect(textOf(await streamParts(model, toolRoundTripPrompt({ type: 'text', value: 'hi' })))).toBe('echo: "hi"');
    expect(textOf(await streamParts(model, toolRoundTripPrompt({ type: 'error-text', value: 'boom' })))).toBe(
      'echo: "boom"',
    );
    expect(textOf(await streamParts(model, toolRoundTripPrompt({ type: 'execution-denied' })))).toBe('echo: denied');

    const prompt = toolRoundTripPrompt({ type: 'json', value: 1 });
    const toolMessage = prompt[2]!;
    if (toolMessage.role !== 'tool') throw new Error('expected a tool message');
    toolMessage.content.push({
      type: 'tool-result',
      toolCallId: 'c2',
      toolName: 'x',
      output: { type: 'json', value: 2 },
    });
    expect(textOf(await streamParts(model, prompt))).toBe('echo: 2');
  });

  it('answers `echo: invalid tool input` when the tool JSON does not parse', async () => {
    const parts = await streamParts(createEchoModel(), [user('/tool lookup {nope')]);
    expect(parts.some((part) => part.type === 'tool-call')).toBe(false);
    expect(textOf(parts)).toBe('echo: invalid tool input');
  });

  it('on `/sleep <ms> <text>` waits, streaming nothing but stream-start, then echoes the text', async () => {
    vi.useFakeTimers();
    const { stream } = await createEchoModel().doStream({ prompt: [user('/sleep 1000 done')] });
    const reader = stream.getReader();
    expect((await reader.read()).value).toMatchObject({ type: 'stream-start' });
    let next: LanguageModelV3StreamPart | undefined;
    void reader.read().then((result) => {
      next = result.value;
    });
    await vi.advanceTimersByTimeAsync(999);
    expect(next).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(next).toMatchObject({ type: 'text-start' });
    reader.releaseLock();
    expect(textOf(await readAll(stream))).toBe('echo: done');
  });

  it('caps `/sleep` at 60 seconds', async () => {
    vi.useFakeTimers();
    const result = createEchoModel().doGenerate({ prompt: [user('/sleep 999999999 late')] });
    await vi.advanceTimersByTimeAsync(60_000);
    expect((await result).content).toEqual([{ type: 'text', text: 'echo: late' }]);
  });

  it('errors the stream with the abort reason when aborted during `/sleep`', async () => {
    const controller = new AbortController();
    const { stream } = await createEchoModel().doStream({
      prompt: [user('/sleep 5000 never')],
      abortSignal: controller.signal,
    });
    const started = Date.now();
    setTimeout(() => controller.abort(), 20);
    await expect(readAll(stream)).rejects.toMatchObject({ name: 'AbortError' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('honours abort between deltas', async () => {
    const controller = new AbortController();
    const model = createEchoModel({ chunkSize: 1, delayMs: 10 });
    const { stream } = await model.doStream({ prompt: [user('a long enough text')], abortSignal: controller.signal });
    const reader = stream.getReader();
    const seen: LanguageModelV3StreamPart[] = [];
    while (seen.filter((part) => part.type === 'text-delta').length < 3) {
      const { value } = await reader.read();
      if (value) seen.push(value);
    }
    const reason = new Error('stopped by test');
    controller.abort(reason);
    await expect(reader.read()).rejects.toBe(reason);
    expect(textOf(seen)).toBe('ech');
  });

  it('rejects a call whose signal is already aborted', async () => {
    const signal = AbortSignal.abort();
    await expect(createEchoModel().doStream({ prompt: [user('x')], abortSignal: signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });

  it('stops waiting when the reader cancels', async () => {
    const { stream } = await createEchoModel().doStream({ prompt: [user('/sleep 5000 x')] });
    const reader = stream.getReader();
    await reader.read();
    const pending = reader.read();
    await reader.cancel();
    await expect(pending).resolves.toEqual({ done: true, value: undefined });
  });

  it('returns the same content from doGenerate', async () => {
    const model = createEchoModel();
    const text = await model.doGenerate({ prompt: [user('hello')] });
    expect(text.content).toEqual([{ type: 'text', text: 'echo: hello' }]);
    expect(text.finishReason).toEqual({ unified: 'stop', raw: 'stop' });
    expect(text.usage.outputTokens.total).toBe(2);

    const tool = await model.doGenerate({ prompt: [user('/tool lookup {"a":1}')] });
    expect(tool.content).toEqual([{ type: 'tool-call', toolCallId: 'call_1', toolName: 'lookup', input: '{"a":1}' }]);
    expect(tool.finishReason.unified).toBe('tool-calls');
  });

  it('rejects invalid options', () => {
    expect(() => createEchoModel({ chunkSize: 0 })).toThrow(RangeError);
    expect(() => createEchoModel({ delayMs: -1 })).toThrow(RangeError);
  });
});

describe('echo model and turn tags', () => {
  it('ignores trailing user messages of an earlier, unanswered turn', async () => {
    const { createEchoModel } = await import('./echo-model.js');
    const model = createEchoModel();
    const result = await model.doGenerate({
      prompt: [
        {
          role: 'user',
          content: [{ type: 'text', text: '/sleep 30000 old' }],
          providerOptions: { confab: { turn: 1 } },
        },
        { role: 'user', content: [{ type: 'text', text: 'a' }], providerOptions: { confab: { turn: 2 } } },
        { role: 'user', content: [{ type: 'text', text: 'b' }], providerOptions: { confab: { turn: 2 } } },
      ],
    });
    expect(result.content).toEqual([expect.objectContaining({ type: 'text', text: 'echo: a\nb' })]);
  });
});
