import type { LanguageModelV3, LanguageModelV3CallOptions } from '@ai-sdk/provider';
import type { LanguageModelV4, LanguageModelV4CallOptions } from '../runner/language-model.js';

/**
 * A test model of either specification, as v4: the same answers under `specificationVersion: 'v4'`.
 * Both specifications stream the same parts for text, reasoning and tool calls, and their prompts
 * differ only in file data, which these models do not read; so the v3 implementation answers v4
 * calls once the prompt was checked to be v4 (a v3 file part, whose data is not tagged, is refused
 * as a real v4 provider would fail on it). Extra properties (a scripted model's `calls`) stay.
 */
export function asV4<Model extends LanguageModelV3>(
  model: Model,
): Omit<Model, 'specificationVersion' | 'doGenerate' | 'doStream'> & LanguageModelV4 {
  const toV3 = (options: LanguageModelV4CallOptions) => {
    checkV4Prompt(options);
    return options as unknown as LanguageModelV3CallOptions;
  };
  const { doGenerate, doStream } = model;
  return Object.assign(model, {
    specificationVersion: 'v4' as const,
    doGenerate: (options: LanguageModelV4CallOptions) => doGenerate.call(model, toV3(options)),
    doStream: (options: LanguageModelV4CallOptions) => doStream.call(model, toV3(options)),
  }) as unknown as Omit<Model, 'specificationVersion' | 'doGenerate' | 'doStream'> & LanguageModelV4;
}

function checkV4Prompt(options: LanguageModelV4CallOptions): void {
  for (const message of options.prompt) {
    if (!Array.isArray(message.content)) continue;
    for (const part of message.content as Array<{ type: string; data?: unknown }>) {
      if (part.type !== 'file') continue;
      const data = part.data as { type?: unknown } | undefined;
      if (typeof data !== 'object' || data === null || data instanceof Uint8Array || typeof data.type !== 'string') {
        throw new TypeError(
          'v4 test model: a file part needs tagged data ({ type: "data", data } or { type: "url", url })',
        );
      }
    }
  }
}
