import type {
  LanguageModelV3,
  LanguageModelV3FunctionTool,
  LanguageModelV3Prompt,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';
import { ConfabError } from '../errors.js';
import type { EventDataMap, Usage } from '../model/event.js';
import type { JsonValue } from '../model/json.js';
import { newId } from '../util/ids.js';
import {
  classifyProviderError,
  DEFAULT_PROVIDER_RETRY,
  type ProviderFailure,
  type ProviderRetrySettings,
  retryDelayMs,
} from './provider-failure.js';
import type { TurnWriter } from './turn-writer.js';

/** A tool call as persisted by a step. */
export type StepToolCall = EventDataMap['tool-call'];

/** How a model step ended. */
export interface StepResult {
  toolCalls: StepToolCall[];
  /** The provider's finish reason, or `aborted` when the signal fired first. */
  finishReason: 'stop' | 'length' | 'content-filter' | 'tool-calls' | 'error' | 'other' | 'aborted';
  usage: Usage | null;
  /** The provider's error, when the stream failed. */
  error?: unknown;
  /** The provider's error, classified (with `error`). */
  failure?: ProviderFailure;
  /**
   * The step's last message, complete but not yet written: set only when the stream ended
   * normally without tool calls and nothing but its finish followed the message, so the caller
   * writes it with the turn's end (one commit). Every other message is persisted by the step.
   */
  finalMessage?: EventDataMap['message'];
}

/** Options of {@link runModelStep}. */
export interface ModelStepOptions {
  model: LanguageModelV3;
  prompt: LanguageModelV3Prompt;
  tools: LanguageModelV3FunctionTool[];
  signal: AbortSignal;
  writer: TurnWriter;
  /** Decides, when a call arrives, who executes it and whether it waits for approval. */
  classifyToolCall: (call: { toolCallId: string; toolName: string; input: JsonValue }) => Promise<{
    executor: 'server' | 'client';
    needsApproval: boolean;
  }>;
  temperature?: number;
  maxOutputTokens?: number;
  /** Retries of failures before any output. Default {@link DEFAULT_PROVIDER_RETRY}. */
  retry?: ProviderRetrySettings;
  /** When the turn times out (epoch ms): no retry waits past it. */
  deadline?: number;
  /** Told of every failed attempt, retried or not (for logs). */
  onFailure?: (report: { failure: ProviderFailure; attempt: number; willRetry: boolean; error: unknown }) => void;
  /**
   * The id of the step's first message (its text deltas and its `message` event), e.g. the id a
   * chat UI already announced for the turn's assistant message; later messages get fresh ids.
   */
  messageId?: string;
}

/** A failed attempt of a step; `outputStarted` says whether anything was streamed or written. */
type Attempt = StepResult & { outputStarted: boolean };

/** Provider usage as the event contract reports it: null when the provider reported nothing. */
export function toUsage(usage: LanguageModelV3Usage | undefined): Usage | null {
  const input = usage?.inputTokens.total;
  const output = usage?.outputTokens.total;
  if (input === undefined && output === undefined) return null;
  return { inputTokens: input ?? 0, outputTokens: output ?? 0, totalTokens: (input ?? 0) + (output ?? 0) };
}

/** Sums usages; null only when every part is null. */
export function addUsage(total: Usage | null, next: Usage | null): Usage | null {
  if (!next) return total;
  if (!total) return next;
  return {
    inputTokens: total.inputTokens + next.inputTokens,
    outputTokens: total.outputTokens + next.outputTokens,
    totalTokens: total.totalTokens + next.totalTokens,
  };
}

function parseToolInput(raw: string): JsonValue {
  if (!raw.trim()) return {};
  try {
    return JSON.parse(raw) as JsonValue;
  } catch {
    // Kept as text: schema validation then reports it to the model as a tool error.
    return raw;
  }
}

/**
 * One model call: streams deltas live, persists the assistant message when its text completes and
 * each tool call as it arrives (message first, so the log reads in order); a last message only the
 * stream's finish followed is returned unwritten instead (see {@link StepResult.finalMessage}).
 * On abort it persists the partial text, if any, and returns `aborted`. A provider failure before
 * any output (nothing streamed or written yet) is retried per `retry` when it is retryable, after
 * the provider's `retry-after` or an exponential backoff, never past `deadline`; any other failure
 * is returned, not thrown, classified (`failure`), after the partial text is saved.
 */
export async function runModelStep(options: ModelStepOptions): Promise<StepResult> {
  const settings = options.retry ?? DEFAULT_PROVIDER_RETRY;
  for (let attempt = 0; ; attempt++) {
    const { outputStarted, ...result } = await attemptModelStep(options);
    if (result.finishReason !== 'error') return result;
    const failure = classifyProviderError(result.error);
    // A failure after output cannot be retried: its deltas were streamed and its text written.
    const delay = outputStarted ? null : retryDelayMs(failure, attempt, settings, options.deadline);
    options.onFailure?.({ failure, attempt: attempt + 1, willRetry: delay !== null, error: result.error });
    if (delay === null) return { ...result, failure };
    if (!(await wait(delay, options.signal))) return { toolCalls: [], finishReason: 'aborted', usage: result.usage };
  }
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function wait(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

async function attemptModelStep(options: ModelStepOptions): Promise<Attempt> {
  const { writer, signal } = options;
  let outputStarted = false;
  const toolCalls: StepToolCall[] = [];
  let messageId = options.messageId ?? newId('msg');
  // Tool names by call id, from each call's `tool-input-start`: its input deltas carry the name so
  // that a live reader can show which tool is being called before the call is complete.
  const toolNames = new Map<string, string>();
  let text = '';
  let reasoning = '';
  let usage: Usage | null = null;
  let finishReason: StepResult['finishReason'] = 'other';

  // A message whose text ended waits for the next part: when that is the stream's finish, the
  // message can go with the turn end; anything else means more is coming, so it is persisted.
  let ended = false;
  const takeMessage = (): EventDataMap['message'] | null => {
    ended = false;
    // Without text there is no message: reasoning alone waits for the text it explains.
    if (!text) return null;
    const data: EventDataMap['message'] = { messageId, role: 'assistant', text };
    if (reasoning) data.reasoning = reasoning;
    text = '';
    reasoning = '';
    messageId = newId('msg');
    return data;
  };
  const persistMessage = async () => {
    const data = takeMessage();
    if (data) await writer.append([{ type: 'message', data }]);
  };

  let reader: ReadableStreamDefaultReader<LanguageModelV3StreamPart> | null = null;
  // One listener per step: a stop cancels the reader, which ends its pending read at once. Racing
  // every read against an abort promise instead would pile one reaction per part onto it.
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<'aborted'>((resolve) => {
    onAbort = () => {
      resolve('aborted');
      reader?.cancel().catch(() => undefined);
    };
    if (signal.aborted) resolve('aborted');
    else signal.addEventListener('abort', onAbort, { once: true });
  });

  try {
    const started = await Promise.race([
      options.model.doStream({
        prompt: options.prompt,
        tools: options.tools.length ? options.tools : undefined,
        abortSignal: signal,
        temperature: options.temperature,
        maxOutputTokens: options.maxOutputTokens,
      }),
      aborted,
    ]);
    if (started === 'aborted') return { toolCalls, finishReason: 'aborted', usage, outputStarted };
    reader = started.stream.getReader();
    // A stop between the stream's start and here found no reader to cancel.
    if (signal.aborted) return { toolCalls, finishReason: 'aborted', usage, outputStarted };
    for (;;) {
      const next = await reader.read();
      if (signal.aborted) {
        await persistMessage();
        return { toolCalls, finishReason: 'aborted', usage, outputStarted };
      }
      if (next.done) break;
      const part = next.value;
      if (ended && part.type !== 'finish') await persistMessage();
      switch (part.type) {
        case 'text-delta':
          if (!part.delta) break;
          outputStarted = true;
          text += part.delta;
          writer.delta('text-delta', { messageId, delta: part.delta });
          break;
        case 'reasoning-delta':
          if (!part.delta) break;
          outputStarted = true;
          reasoning += part.delta;
          writer.delta('reasoning-delta', { messageId, delta: part.delta });
          break;
        case 'text-end':
          ended = text !== '';
          break;
        case 'tool-input-start':
          toolNames.set(part.id, part.toolName);
          break;
        case 'tool-input-delta': {
          outputStarted = true;
          const toolName = toolNames.get(part.id);
          writer.delta('tool-input-delta', {
            toolCallId: part.id,
            delta: part.delta,
            ...(toolName === undefined ? {} : { toolName }),
          });
          break;
        }
        case 'tool-call': {
          outputStarted = true;
          await persistMessage();
          const input = parseToolInput(part.input);
          const call = { toolCallId: part.toolCallId, toolName: part.toolName, input };
          const classified = await options.classifyToolCall(call);
          const data: StepToolCall = { ...call, ...classified };
          toolCalls.push(data);
          await writer.append([{ type: 'tool-call', data }]);
          break;
        }
        case 'finish':
          usage = toUsage(part.usage);
          finishReason = part.finishReason.unified;
          break;
        case 'error':
          await persistMessage();
          return { toolCalls, finishReason: 'error', usage, error: part.error, outputStarted };
        default:
          break;
      }
    }
    if (toolCalls.length === 0 && finishReason !== 'error') {
      const finalMessage = takeMessage();
      if (finalMessage) return { toolCalls, finishReason, usage, finalMessage, outputStarted };
    }
    await persistMessage();
    return { toolCalls, finishReason, usage, outputStarted };
  } catch (error) {
    // A store failure (a lost lease, an unreachable database) is not the model's: let it end the
    // turn as a failed request, to be closed by recovery, instead of blaming the provider.
    if (ConfabError.isInstance(error)) throw error;
    await persistMessage();
    if (signal.aborted) return { toolCalls, finishReason: 'aborted', usage, outputStarted };
    return { toolCalls, finishReason: 'error', usage, error, outputStarted };
  } finally {
    signal.removeEventListener('abort', onAbort);
    reader?.cancel().catch(() => undefined);
  }
}
