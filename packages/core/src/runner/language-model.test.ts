import type { LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { describe, expect, it } from 'vitest';
import { adaptLanguageModel, type LanguageModelV4 } from './language-model.js';

/** A v4 model that streams the given parts and records the options it was called with. */
function v4Streaming(parts: Array<{ type: string; [key: string]: unknown }>) {
  const calls: unknown[] = [];
  const model: LanguageModelV4 = {
    specificationVersion: 'v4',
    provider: 'test',
    modelId: 'm',
    supportedUrls: {},
    async doGenerate() {
      return {
        content: [
          { type: 'text', text: 'hi' },
          { type: 'custom', kind: 'x.y' },
        ],
        finishReason: { unified: 'interrupted', raw: 'eof' },
      };
    },
    async doStream(options) {
      calls.push(options);
      return {
        stream: new ReadableStream({
          start(controller) {
            for (const part of parts) controller.enqueue(part);
            controller.close();
          },
        }),
      };
    },
  };
  return { model, calls };
}

async function read(stream: ReadableStream<LanguageModelV3StreamPart>) {
  const parts: LanguageModelV3StreamPart[] = [];
  for await (const part of stream as unknown as AsyncIterable<LanguageModelV3StreamPart>) parts.push(part);
  return parts;
}

describe('adaptLanguageModel', () => {
  it('refuses anything but a v3 or v4 model, naming what it received', () => {
    expect(() => adaptLanguageModel({ specificationVersion: 'v2' })).toThrow(
      /got a model with specificationVersion "v2"/,
    );
    expect(() => adaptLanguageModel({})).toThrow(/no specificationVersion/);
    expect(() => adaptLanguageModel('echo')).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    expect(() => adaptLanguageModel(null)).toThrow(/got null/);
  });

  it('passes v3 models through and wraps a v4 model once', () => {
    const v3 = { specificationVersion: 'v3', provider: 'p', modelId: 'm' };
    expect(adaptLanguageModel(v3)).toBe(v3);
    const { model } = v4Streaming([]);
    const adapted = adaptLanguageModel(model);
    expect(adapted).toMatchObject({ specificationVersion: 'v3', provider: 'test', modelId: 'm' });
    expect(adaptLanguageModel(model)).toBe(adapted);
  });

  it('tags file data on the way in and maps v4-only stream parts on the way out', async () => {
    const { model, calls } = v4Streaming([
      { type: 'stream-start', warnings: [] },
      { type: 'ping' },
      { type: 'text-delta', id: 't', delta: 'a' },
      { type: 'custom', kind: 'x.y' },
      { type: 'finish', finishReason: { unified: 'interrupted', raw: undefined }, usage: {} },
    ]);
    const bytes = new Uint8Array([1, 2]);
    const url = new URL('https://example.com/a.png');
    const { stream } = await adaptLanguageModel(model).doStream({
      prompt: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'x' },
            { type: 'file', mediaType: 'text/plain', data: bytes },
            { type: 'file', mediaType: 'image/png', data: url },
          ],
        },
      ],
    });
    const parts = await read(stream);
    expect(parts.map((part) => part.type)).toEqual(['stream-start', 'text-delta', 'error']);
    const content = (calls[0] as { prompt: Array<{ content: Array<{ data?: unknown }> }> }).prompt[0]?.content;
    expect(content?.[1]?.data).toEqual({ type: 'data', data: bytes });
    expect(content?.[2]?.data).toEqual({ type: 'url', url });
  });

  it('keeps only v3 content in generate results', async () => {
    const { model } = v4Streaming([]);
    const result = await adaptLanguageModel(model).doGenerate({ prompt: [] });
    expect(result.content).toEqual([{ type: 'text', text: 'hi' }]);
    expect(result.finishReason).toEqual({ unified: 'other', raw: 'eof' });
  });
});
