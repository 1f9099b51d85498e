import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3FinishReason,
  LanguageModelV3Prompt,
} from '@ai-sdk/provider';
import type { LanguageModelV4, LanguageModelV4CallOptions } from '../runner/language-model.js';
import { countWords, createToolCallIds, promptText } from './prompt.js';
import {
  finishReasonOf,
  generateFromParts,
  type PartProducer,
  sleep,
  streamParts,
  textBlockParts,
  toolCallParts,
  unknownUsage,
  usageOf,
} from './stream-parts.js';
import { asV4 } from './v4-model.js';

/**
 * One piece of a scripted answer, emitted in order:
 * - `{ text }`: `text-start`, `text-delta`s of `chunkSize` characters (default 8), `text-end`;
 * - `{ reasoning }`: the same with `reasoning-*` parts;
 * - `{ toolCall }`: `tool-input-start`, `tool-input-delta`s, `tool-input-end`, then `tool-call`
 *   whose input is `JSON.stringify(input)` and whose id is `toolCallId` or `call_<n>`;
 * - `{ delayMs }`: a wait that aborting the call's signal cuts short (the stream errors);
 * - `{ error }`: a stream `error` part, after which the stream goes on (`doGenerate` rejects);
 * - `{ throw }`: the stream errors with that value; as the first part, `doStream` itself rejects,
 *   like a provider whose request fails (put `{ delayMs: 0 }` first to fail after `stream-start`).
 */
export type ScriptedPart =
  | { text: string; chunkSize?: number }
  | { reasoning: string; chunkSize?: number }
  | { toolCall: { toolName: string; input: unknown; toolCallId?: string } }
  | { delayMs: number }
  | { error: unknown }
  | { throw: unknown };

/**
 * The answer to one model call. `finishReason` defaults to `tool-calls` when a part is a tool
 * call, else `stop`. `usage` defaults to word counts (the prompt's text in, the emitted text,
 * reasoning and tool inputs out); `null` reports no usage at all (every token total undefined).
 */
export interface ScriptedStep {
  parts: ScriptedPart[];
  finishReason?: LanguageModelV3FinishReason['unified'];
  usage?: { inputTokens: number; outputTokens: number } | null;
}

/** What a script function is told about the call it answers. `callIndex` counts from 0. */
export interface ScriptedCall {
  prompt: LanguageModelV3Prompt;
  callIndex: number;
  options: LanguageModelV3CallOptions;
}

/** A fixed list of steps, one per call, or a function choosing the step from the call. */
export type ScriptedScript = ScriptedStep[] | ((call: ScriptedCall) => ScriptedStep | PromiseLike<ScriptedStep>);

/** Options of {@link createScriptedModel}. */
export interface ScriptedModelOptions {
  /** The model id reported by the model; default `scripted`. */
  modelId?: string;
  /**
   * `v3` (default): a `LanguageModelV3` (AI SDK 6); `v4`: a `LanguageModelV4` (AI SDK 7), whose
   * `calls` record the v4 options it was sent.
   */
  specificationVersion?: 'v3' | 'v4';
}

/** A scripted model, with every call's options recorded in order for assertions. */
export type ScriptedModel = LanguageModelV3 & { calls: LanguageModelV3CallOptions[] };

/** A scripted `LanguageModelV4`, with every call's (v4) options recorded in order. */
export type ScriptedModelV4 = LanguageModelV4 & { calls: LanguageModelV4CallOptions[] };

const DEFAULT_CHUNK_SIZE = 8;

/**
 * A deterministic `LanguageModelV3` (provider `confab`) that answers each call, streamed or not,
 * with the next step of `script`. Every call is recorded in `calls` before it is answered, so
 * tests can assert the prompt the model saw. A call beyond the end of a step list rejects with an
 * Error saying the script is exhausted. Streams start with `stream-start` and end with `finish`;
 * aborting the call's signal errors the stream at once with the signal's reason.
 */
export function createScriptedModel(
  script: ScriptedScript,
  options?: ScriptedModelOptions & { specificationVersion?: 'v3' },
): ScriptedModel;
export function createScriptedModel(
  script: ScriptedScript,
  options: ScriptedModelOptions & { specificationVersion: 'v4' },
): ScriptedModelV4;
export function createScriptedModel(
  script: ScriptedScript,
  options?: ScriptedModelOptions,
): ScriptedModel | ScriptedModelV4;
export function createScriptedModel(
  script: ScriptedScript,
  options: ScriptedModelOptions = {},
): ScriptedModel | ScriptedModelV4 {
  const calls: LanguageModelV3CallOptions[] = [];
  const nextToolCallId = createToolCallIds();

  const producerFor = async (callOptions: LanguageModelV3CallOptions): Promise<PartProducer> => {
    const callIndex = calls.length;
    calls.push(callOptions);
    callOptions.abortSignal?.throwIfAborted();
    const step = await stepFor(script, { prompt: callOptions.prompt, callIndex, options: callOptions });
    const first = step.parts[0];
    if (first && 'throw' in first) throw first.throw;
    // Ids are assigned now rather than while streaming, so they follow the order of the calls.
    const toolCallIds = step.parts.map((part) =>
      'toolCall' in part ? (part.toolCall.toolCallId ?? nextToolCallId(callOptions.prompt)) : undefined,
    );
    return (signal) => scriptedParts(step, toolCallIds, callOptions.prompt, signal);
  };

  const model: ScriptedModel = {
    specificationVersion: 'v3',
    provider: 'confab',
    modelId: options.modelId ?? 'scripted',
    supportedUrls: {},
    calls,
    async doGenerate(callOptions) {
      return generateFromParts(await producerFor(callOptions), callOptions.abortSignal);
    },
    async doStream(callOptions) {
      return { stream: streamParts(await producerFor(callOptions), callOptions.abortSignal) };
    },
  };
  return options.specificationVersion === 'v4' ? (asV4(model) as unknown as ScriptedModelV4) : model;
}

/** A step that answers with `text`; `overrides` sets the finish reason or usage. */
export function scriptedText(text: string, overrides: Omit<ScriptedStep, 'parts'> = {}): ScriptedStep {
  return { ...overrides, parts: [{ text }] };
}

/** A step that calls tool `toolName` with `input` (finish reason `tool-calls`). */
export function scriptedToolCall(
  toolName: string,
  input: unknown,
  overrides: Omit<ScriptedStep, 'parts'> & { toolCallId?: string } = {},
): ScriptedStep {
  const { toolCallId, ...step } = overrides;
  return {
    ...step,
    parts: [{ toolCall: toolCallId === undefined ? { toolName, input } : { toolName, input, toolCallId } }],
  };
}

async function stepFor(script: ScriptedScript, call: ScriptedCall): Promise<ScriptedStep> {
  if (typeof script === 'function') return script(call);
  const step = script[call.callIndex];
  if (!step) {
    throw new Error(
      `scripted model: script exhausted: call #${call.callIndex + 1} but only ${script.length} step(s) were scripted`,
    );
  }
  return step;
}

async function* scriptedParts(
  step: ScriptedStep,
  toolCallIds: (string | undefined)[],
  prompt: LanguageModelV3Prompt,
  signal: AbortSignal,
): ReturnType<PartProducer> {
  yield { type: 'stream-start', warnings: [] };
  let outputText = '';
  let hasToolCall = false;
  for (const [index, part] of step.parts.entries()) {
    signal.throwIfAborted();
    if ('text' in part) {
      outputText += ` ${part.text}`;
      const pacing = { chunkSize: part.chunkSize ?? DEFAULT_CHUNK_SIZE, delayMs: 0, signal };
      yield* textBlockParts('text', `text_${index}`, part.text, pacing);
    } else if ('reasoning' in part) {
      outputText += ` ${part.reasoning}`;
      const pacing = { chunkSize: part.chunkSize ?? DEFAULT_CHUNK_SIZE, delayMs: 0, signal };
      yield* textBlockParts('reasoning', `reasoning_${index}`, part.reasoning, pacing);
    } else if ('toolCall' in part) {
      hasToolCall = true;
      const input = JSON.stringify(part.toolCall.input) ?? 'null';
      outputText += ` ${part.toolCall.toolName} ${input}`;
      const pacing = { chunkSize: DEFAULT_CHUNK_SIZE, delayMs: 0, signal };
      yield* toolCallParts(toolCallIds[index]!, part.toolCall.toolName, input, pacing);
    } else if ('delayMs' in part) {
      await sleep(part.delayMs, signal);
    } else if ('error' in part) {
      yield { type: 'error', error: part.error };
    } else {
      throw part.throw;
    }
  }
  signal.throwIfAborted();
  const usage =
    step.usage === null
      ? unknownUsage()
      : step.usage
        ? usageOf(step.usage.inputTokens, step.usage.outputTokens)
        : usageOf(countWords(promptText(prompt)), countWords(outputText));
  const finishReason = finishReasonOf(step.finishReason ?? (hasToolCall ? 'tool-calls' : 'stop'));
  yield { type: 'finish', finishReason, usage };
}
