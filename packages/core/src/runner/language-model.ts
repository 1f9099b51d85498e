import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3Content,
  LanguageModelV3FinishReason,
  LanguageModelV3GenerateResult,
  LanguageModelV3Message,
  LanguageModelV3Prompt,
  LanguageModelV3StreamPart,
} from '@ai-sdk/provider';
import { errors } from '../errors.js';

/**
 * A part of a `LanguageModelV4` prompt (AI SDK 7, `@ai-sdk/provider@4`), as loose as Confab needs:
 * the same messages as v3, except that file data is a tagged union (`{ type: 'data', data }`,
 * `{ type: 'url', url }`, …).
 */
export interface LanguageModelV4PromptMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: unknown;
  providerOptions?: Record<string, Record<string, unknown>>;
}

/**
 * The call options Confab sends to a `LanguageModelV4`. Written out here rather than imported
 * because `@ai-sdk/provider@4` needs Node ≥ 22 and Confab also installs on Node 20; every real
 * `LanguageModelV4CallOptions` is assignable to it.
 */
export interface LanguageModelV4CallOptions {
  prompt: LanguageModelV4PromptMessage[];
  tools?: Array<{ type: string; name: string }>;
  abortSignal?: AbortSignal;
  temperature?: number;
  maxOutputTokens?: number;
}

/**
 * An AI SDK 7 language model (`specificationVersion: 'v4'`), reduced to what Confab calls. Any
 * `LanguageModelV4` from `@ai-sdk/provider@4` (e.g. `openai('gpt-5')` of `@ai-sdk/openai@4`) is
 * assignable to it. Stream parts are typed by their `type` only; Confab maps them onto the v3 parts
 * at the boundary ({@link adaptLanguageModel}).
 */
export interface LanguageModelV4 {
  readonly specificationVersion: 'v4';
  readonly provider: string;
  readonly modelId: string;
  supportedUrls: PromiseLike<Record<string, RegExp[]>> | Record<string, RegExp[]>;
  doGenerate(options: LanguageModelV4CallOptions): PromiseLike<{ content: Array<{ type: string }> }>;
  doStream(options: LanguageModelV4CallOptions): PromiseLike<{ stream: ReadableStream<{ type: string }> }>;
}

/** A language model Confab runs: AI SDK 6 (`LanguageModelV3`) or AI SDK 7 (`LanguageModelV4`). */
export type SupportedLanguageModel = LanguageModelV3 | LanguageModelV4;

/** Adapters already built, so a model object is wrapped once however often it is resolved. */
const adapted = new WeakMap<object, LanguageModelV3>();

/**
 * Checks a model where it enters the runtime and returns it in the form the runtime calls: a
 * `LanguageModelV3` as it is, a `LanguageModelV4` behind a v3-shaped adapter (prompts converted on
 * the way in, stream parts and results on the way out; the adapter keeps the model's `provider`
 * and `modelId`). Anything else → `invalid_argument` naming what was received.
 */
export function adaptLanguageModel(value: unknown): LanguageModelV3 {
  if (typeof value !== 'object' || value === null) {
    throw errors.invalidArgument(
      `a model must be an AI SDK LanguageModelV3 or LanguageModelV4 object; got ${value === null ? 'null' : typeof value}`,
    );
  }
  const version = (value as { specificationVersion?: unknown }).specificationVersion;
  if (version === 'v3') return value as LanguageModelV3;
  if (version === 'v4') {
    let model = adapted.get(value);
    if (!model) {
      model = adaptV4(value as LanguageModelV4);
      adapted.set(value, model);
    }
    return model;
  }
  const received =
    version === undefined ? 'no specificationVersion' : `specificationVersion ${JSON.stringify(version)}`;
  throw errors.invalidArgument(
    `a model must be an AI SDK LanguageModelV3 (specificationVersion "v3", AI SDK 6) or LanguageModelV4 ` +
      `("v4", AI SDK 7); got a model with ${received}`,
  );
}

/** The v3 `specificationVersion` of the model behind an adapter, for reports: `v3` or `v4`. */
export function specificationVersionOf(model: LanguageModelV3): 'v3' | 'v4' {
  return (model as { [ORIGINAL_VERSION]?: 'v4' })[ORIGINAL_VERSION] ?? 'v3';
}

const ORIGINAL_VERSION = Symbol.for('confab.specificationVersion');

function adaptV4(model: LanguageModelV4): LanguageModelV3 {
  const toV4 = (options: LanguageModelV3CallOptions): LanguageModelV4CallOptions =>
    ({ ...options, prompt: toV4Prompt(options.prompt) }) as LanguageModelV4CallOptions;
  return {
    specificationVersion: 'v3',
    [ORIGINAL_VERSION]: 'v4',
    provider: model.provider,
    modelId: model.modelId,
    get supportedUrls() {
      return model.supportedUrls;
    },
    async doGenerate(options) {
      const result = (await model.doGenerate(toV4(options))) as unknown as LanguageModelV3GenerateResult;
      return {
        ...result,
        content: result.content.filter((part) => V3_CONTENT_TYPES.has(part.type)) as LanguageModelV3Content[],
        finishReason: toV3FinishReason(result.finishReason),
      };
    },
    async doStream(options) {
      const result = await model.doStream(toV4(options));
      return { ...result, stream: result.stream.pipeThrough(toV3Parts()) };
    },
  } as LanguageModelV3;
}

/** Content and stream part types v4 added; they carry nothing Confab records, so they are dropped. */
const V4_ONLY_PARTS = new Set(['ping', 'custom', 'reasoning-file']);
const V3_CONTENT_TYPES = new Set([
  'text',
  'reasoning',
  'file',
  'source',
  'tool-call',
  'tool-result',
  'tool-approval-request',
]);

function toV3FinishReason(reason: LanguageModelV3FinishReason | { unified: string; raw?: string }) {
  // v4's `interrupted` (the stream ended without a completion signal) has no v3 twin.
  return reason.unified === 'interrupted'
    ? ({ unified: 'other', raw: reason.raw } as LanguageModelV3FinishReason)
    : (reason as LanguageModelV3FinishReason);
}

function toV3Parts(): TransformStream<{ type: string }, LanguageModelV3StreamPart> {
  return new TransformStream({
    transform(part, controller) {
      if (V4_ONLY_PARTS.has(part.type)) return;
      const finish = part as Extract<LanguageModelV3StreamPart, { type: 'finish' }>;
      if (part.type === 'finish' && (finish.finishReason.unified as string) === 'interrupted') {
        // Output may be incomplete: report it as the failure it is rather than a normal end.
        controller.enqueue({ type: 'error', error: new Error('the provider stream ended before it finished') });
        return;
      }
      controller.enqueue(part as LanguageModelV3StreamPart);
    },
  });
}

/** v3 file data (bytes, base64 text or a URL) as v4's tagged file data. */
function toV4FileData(
  data: Uint8Array | string | URL,
): { type: 'data'; data: Uint8Array | string } | { type: 'url'; url: URL } {
  return data instanceof URL ? { type: 'url', url: data } : { type: 'data', data };
}

/** A v3 prompt as v4 expects it: only file parts differ (tagged data). */
export function toV4Prompt(prompt: LanguageModelV3Prompt): LanguageModelV4PromptMessage[] {
  return prompt.map((message: LanguageModelV3Message) => {
    if (message.role !== 'user' && message.role !== 'assistant') return message;
    if (!message.content.some((part) => part.type === 'file')) return message;
    return {
      ...message,
      content: message.content.map((part) =>
        part.type === 'file' ? { ...part, data: toV4FileData(part.data) } : part,
      ),
    };
  });
}
