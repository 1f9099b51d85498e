import type { LanguageModelV3Message, LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { describe, expect, it } from 'vitest';
import { createScriptedModel, type ScriptedModel, scriptedText, scriptedToolCall } from './scripted-model.js';

const user = (text: string): LanguageModelV3Message => ({ role: 'user', content: [{ type: 'text', text }] });

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

async function streamParts(model: ScriptedModel, text = 'hi') {
  const { stream } = await model.doStream({ prompt: [user(text)] });
  return readAll(stream);
}

function textOf(parts: LanguageModelV3StreamPart[]): string {
  return parts.map((part) => (part.type === 'text-delta' ? part.delta : '')).join('');
}

describe('createScriptedModel', () => {
  it('answers each call with the next step and fails clearly once the script is exhausted', async () => {
    const model = createScriptedModel([scriptedText('one'), scriptedText('two')], { modelId: 'fake' });
    expect([model.provider, model.modelId]).toEqual(['confab', 'fake']);
    expect(textOf(await streamParts(model))).toBe('one');
    expect(textOf(await streamParts(model))).toBe('two');
    await expect(model.doStream({ prompt: [user('three')] })).rejects.toThrow(/script exhausted.*call #3.*2 step/);
  });

  it('records every call so tests can assert the prompt the model saw', async () => {
    const model = createScriptedModel([scriptedText('a'), scriptedText('b')]);
    await streamParts(model, 'first');
    await model.doGenerate({ prompt: [user('second')], temperature: 0 });
    expect(model.calls.map((call) => call.prompt)).toEqual([[user('first')], [user('second')]]);
    expect(model.calls[1]?.temperature).toBe(0);
  });

  it('passes the prompt and call index to a script function', async () => {
    const model = createScriptedModel(({ prompt, callIndex }) => {
      const message = prompt.at(-1);
      const text = message?.role === 'user' && message.content[0]?.type === 'text' ? message.content[0].text : '';
      return scriptedText(`${callIndex}:${text}`);
    });
    expect(textOf(await streamParts(model, 'x'))).toBe('0:x');
    expect(textOf(await streamParts(model, 'y'))).toBe('1:y');
  });

  it('streams every kind of part in script order', async () => {
    const model = createScriptedModel([
      {
        parts: [
          { reasoning: 'think' },
          { text: 'abcdef', chunkSize: 2 },
          { error: 'soft failure' },
          { toolCall: { toolName: 'search', input: { q: 'x' } } },
        ],
      },
    ]);
    const parts = await streamParts(model);
    expect(parts.map((part) => part.type)).toEqual([
      'stream-start',
      'reasoning-start',
      'reasoning-delta',
      'reasoning-delta',
      'reasoning-end',
      'text-start',
      'text-delta',
      'text-delta',
      'text-delta',
      'text-end',
      'error',
      'tool-input-start',
      'tool-input-delta',
      'tool-input-delta',
      'tool-input-end',
      'tool-call',
      'finish',
    ]);
    expect(textOf(parts)).toBe('abcdef');
    expect(parts.find((part) => part.type === 'error')).toEqual({ type: 'error', error: 'soft failure' });
    expect(parts.find((part) => part.type === 'tool-call')).toEqual({
      type: 'tool-call',
      toolCallId: 'call_1',
      toolName: 'search',
      input: '{"q":"x"}',
    });
    expect(parts.at(-1)).toMatchObject({ finishReason: { unified: 'tool-calls', raw: 'tool_calls' } });
  });

  it('uses the given tool call id, the given finish reason and the given usage', async () => {
    const model = createScriptedModel([
      scriptedToolCall('search', { q: 1 }, { toolCallId: 'mine', finishReason: 'other' }),
      scriptedText('cut', { finishReason: 'length', usage: { inputTokens: 10, outputTokens: 20 } }),
    ]);
    const first = await streamParts(model);
    expect(first.find((part) => part.type === 'tool-call')).toMatchObject({ toolCallId: 'mine' });
    expect(first.at(-1)).toMatchObject({ finishReason: { unified: 'other' } });
    const second = await streamParts(model);
    expect(second.at(-1)).toMatchObject({
      finishReason: { unified: 'length', raw: 'length' },
      usage: { inputTokens: { total: 10 }, outputTokens: { total: 20 } },
    });
  });

  it('reports no usage when usage is null, and word counts by default', async () => {
    const model = createScriptedModel([scriptedText('x', { usage: null }), scriptedText('two words')]);
    const none = (await streamParts(model)).at(-1);
    expect(none).toEqual({
      type: 'finish',
      finishReason: { unified: 'stop', raw: 'stop' },
      usage: {
        inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
        outputTokens: { total: undefined, text: undefined, reasoning: undefined },
      },
    });
    const counted = (await streamParts(model, 'one two three')).at(-1);
    expect(counted).toMatchObject({ usage: { inputTokens: { total: 3 }, outputTokens: { total: 2 } } });
  });

  it('errors the stream at a throw part, after the parts before it', async () => {
    const failure = new Error('provider died');
    const model = createScriptedModel([{ parts: [{ text: 'partial' }, { throw: failure }, { text: 'never' }] }]);
    const { stream } = await model.doStream({ prompt: [user('hi')] });
    const seen: LanguageModelV3StreamPart[] = [];
    await expect(readInto(stream, seen)).rejects.toBe(failure);
    expect(textOf(seen)).toBe('partial');
    expect(seen.some((part) => part.type === 'finish')).toBe(false);
  });

  it('rejects doStream itself when the first part throws', async () => {
    const failure = new Error('429');
    const model = createScriptedModel([{ parts: [{ throw: failure }] }]);
    await expect(model.doStream({ prompt: [user('hi')] })).rejects.toBe(failure);
    expect(model.calls).toHaveLength(1);
  });

  it('cuts a delay short when the call is aborted', async () => {
    const controller = new AbortController();
    const model = createScriptedModel([{ parts: [{ delayMs: 5000 }, { text: 'late' }] }]);
    const { stream } = await model.doStream({ prompt: [user('hi')], abortSignal: controller.signal });
    const started = Date.now();
    setTimeout(() => controller.abort(), 20);
    await expect(readAll(stream)).rejects.toMatchObject({ name: 'AbortError' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('returns the same content from doGenerate, and rejects on an error part', async () => {
    const model = createScriptedModel([
      { parts: [{ reasoning: 'hmm' }, { text: 'answer' }, { toolCall: { toolName: 't', input: [1] } }] },
      { parts: [{ error: new Error('bad') }] },
    ]);
    const result = await model.doGenerate({ prompt: [user('hi')] });
    expect(result.content).toEqual([
      { type: 'reasoning', text: 'hmm' },
      { type: 'text', text: 'answer' },
      { type: 'tool-call', toolCallId: 'call_1', toolName: 't', input: '[1]' },
    ]);
    expect(result.finishReason.unified).toBe('tool-calls');
    await expect(model.doGenerate({ prompt: [user('hi')] })).rejects.toThrow('bad');
  });
});
