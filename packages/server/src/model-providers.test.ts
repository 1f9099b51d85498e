import { createModelResolver } from 'confab';
import { describe, expect, it } from 'vitest';

// The server ships the AI SDK provider packages, so model names from flags and requests resolve.
describe('model names through the AI SDK provider packages', () => {
  const resolve = createModelResolver();

  it('resolves openai:, anthropic: and openai-compatible: without a network call', async () => {
    const openai = await resolve('openai:gpt-4o-mini');
    expect(openai.specificationVersion).toBe('v3');
    expect(openai.provider).toMatch(/^openai/);
    expect(openai.modelId).toBe('gpt-4o-mini');
    const anthropic = await resolve('anthropic:claude-sonnet-4-5');
    expect(anthropic.provider).toMatch(/^anthropic/);
    expect(anthropic.modelId).toBe('claude-sonnet-4-5');
    const local = await resolve('openai-compatible:http://127.0.0.1:11434/v1:llama3.2');
    expect(local.provider).toMatch(/openai-compatible/);
    expect(local.modelId).toBe('llama3.2');
  });

  it('answers invalid_argument for unknown providers and malformed names', async () => {
    await expect(resolve('nope:model')).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(resolve('openai-compatible:no-name')).rejects.toMatchObject({ code: 'invalid_argument' });
    expect((await resolve('echo')).modelId).toBe('echo');
  });
});
