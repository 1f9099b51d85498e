import { describe, expect, it } from 'vitest';
import { createEchoModel } from '../testing/echo-model.js';
import { createModelResolver, splitOpenAICompatibleName } from './model-resolver.js';

describe('splitOpenAICompatibleName', () => {
  it('ends the base URL at the first colon after its path, so model names keep their colons', () => {
    expect(splitOpenAICompatibleName('http://127.0.0.1:11434/v1:llama3.1:8b')).toEqual({
      baseURL: 'http://127.0.0.1:11434/v1',
      name: 'llama3.1:8b',
    });
    expect(splitOpenAICompatibleName('https://llm.example.com/openai/v1:org/model:latest')).toEqual({
      baseURL: 'https://llm.example.com/openai/v1',
      name: 'org/model:latest',
    });
    expect(splitOpenAICompatibleName('http://localhost:8000:qwen')).toEqual({
      baseURL: 'http://localhost:8000',
      name: 'qwen',
    });
    expect(splitOpenAICompatibleName('http://vllm:llama3:8b')).toEqual({ baseURL: 'http://vllm', name: 'llama3:8b' });
    expect(splitOpenAICompatibleName('http://[::1]:8000/v1/:m')).toEqual({
      baseURL: 'http://[::1]:8000/v1',
      name: 'm',
    });
  });

  it('refuses names without a URL or a model', () => {
    for (const rest of ['no-url', 'ftp://host/v1:m', 'http://host/v1', 'http://host/v1:', 'http://:m']) {
      expect(() => splitOpenAICompatibleName(rest), rest).toThrow(
        expect.objectContaining({ code: 'invalid_argument' }),
      );
    }
  });
});

describe('createModelResolver', () => {
  it('resolves through given providers and loaders, checking what they answer', async () => {
    const loaded: string[] = [];
    const resolve = createModelResolver({
      providers: {
        legacy: () => ({ specificationVersion: 'v2' }) as never,
        v4: () => createEchoModel({ specificationVersion: 'v4' }),
      },
      loadProvider: async (provider) => {
        loaded.push(provider);
        return {
          createOpenAICompatible: (settings: unknown) => (id: string) => ({
            ...createEchoModel(),
            modelId: id,
            settings,
          }),
        };
      },
      openaiCompatible: { apiKey: 'k' },
    });
    await expect(resolve('legacy:x')).rejects.toMatchObject({
      code: 'invalid_argument',
      message: expect.stringContaining('"v2"'),
    });
    expect((await resolve('v4:x')).provider).toBe('confab');
    const model = (await resolve('openai-compatible:http://h:1/v1:a:b')) as unknown as {
      modelId: string;
      settings: unknown;
    };
    expect(model.modelId).toBe('a:b');
    expect(model.settings).toEqual({
      name: 'openai-compatible',
      baseURL: 'http://h:1/v1',
      includeUsage: true,
      apiKey: 'k',
    });
    await resolve('openai-compatible:http://h:1/v1:c');
    expect(loaded).toEqual(['openai-compatible']);
  });
});
