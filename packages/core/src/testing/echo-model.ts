import type { LanguageModelV3, LanguageModelV3CallOptions, LanguageModelV3Prompt } from '@ai-sdk/provider';
import type { LanguageModelV4 } from '../runner/language-model.js';
import {
  countWords,
  createToolCallIds,
  promptText,
  toolResultAsText,
  trailingToolResult,
  turnUserText,
} from './prompt.js';
import {
  type DeltaPacing,
  finishReasonOf,
  generateFromParts,
  type PartProducer,
  sleep,
  streamParts,
  textBlockParts,
  toolCallParts,
  usageOf,
} from './stream-parts.js';
import { asV4 } from './v4-model.js';

/** Options of {@link createEchoModel}. */
export interface EchoModelOptions {
  /** Characters (code points) per text or tool-input delta; a positive integer, default 8. */
  chunkSize?: number;
  /** Milliseconds to wait between two deltas, default 0: lets tests stop a stream half-way. */
  delayMs?: number;
  /**
   * `v3` (default): a `LanguageModelV3` as AI SDK 6 providers are; `v4`: a `LanguageModelV4` as
   * AI SDK 7 providers are (it reads v4 prompts, whose file data is tagged).
   */
  specificationVersion?: 'v3' | 'v4';
}

/** The longest `/sleep` the echo model honours, so a typo cannot hang a deployment for hours. */
export const ECHO_MAX_SLEEP_MS = 60_000;

const TOOL_COMMAND = /^\/tool\s+(\S+)(?:\s+([\s\S]*))?$/;
const SLEEP_COMMAND = /^\/sleep\s+(\d+)(?:\s+([\s\S]*))?$/;
const TEXT_ID = 'text_0';

/** What one echo call answers, decided before streaming so tool call ids follow call order. */
type EchoReply =
  | { kind: 'text'; text: string; sleepMs: number }
  | { kind: 'tool-call'; toolCallId: string; toolName: string; input: string };

/**
 * The built-in deterministic `echo` model (provider `confab`, model id `echo`), part of the
 * public contract (DESIGN §7) so anyone can exercise a deployment without a model key.
 *
 * - It answers `echo: <the turn's user text>`, where the user text is the text of every user
 *   message after the last assistant or tool message, joined with a newline (a batched turn).
 * - `/tool <name> <json>` makes it call tool `<name>` with that JSON input (`tool-input-start`,
 *   `tool-input-delta`s, `tool-input-end`, `tool-call` with id `call_<n>`, finish reason
 *   `tool-calls`); JSON that does not parse is answered with `echo: invalid tool input`.
 * - When the prompt ends with a tool message, it answers `echo: <result as JSON>` for the last
 *   tool result (`echo: denied` when execution was denied).
 * - `/sleep <ms> <text>` waits `ms` (at most {@link ECHO_MAX_SLEEP_MS}) after `stream-start`,
 *   streaming nothing, then answers `echo: <text>`.
 *
 * Text is streamed as `stream-start`, `text-start`, at least two `text-delta`s (for text longer
 * than one character), `text-end` and `finish` with reason `stop`. Usage is deterministic: input
 * tokens are the whitespace-separated words of the whole prompt's text, output tokens those of the
 * answer. Aborting `abortSignal` errors the stream with the signal's reason at once, also during a
 * sleep or between deltas; `doGenerate` returns the same content without streaming.
 */
export function createEchoModel(options?: EchoModelOptions & { specificationVersion?: 'v3' }): LanguageModelV3;
export function createEchoModel(options: EchoModelOptions & { specificationVersion: 'v4' }): LanguageModelV4;
export function createEchoModel(options?: EchoModelOptions): LanguageModelV3 | LanguageModelV4;
export function createEchoModel(options: EchoModelOptions = {}): LanguageModelV3 | LanguageModelV4 {
  const chunkSize = options.chunkSize ?? 8;
  const delayMs = options.delayMs ?? 0;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) {
    throw new RangeError(`echo model: chunkSize must be a positive integer, got ${chunkSize}`);
  }
  if (!Number.isFinite(delayMs) || delayMs < 0) {
    throw new RangeError(`echo model: delayMs must be a non-negative number, got ${delayMs}`);
  }
  const nextToolCallId = createToolCallIds();

  const producerFor = (callOptions: LanguageModelV3CallOptions): PartProducer => {
    const reply = planReply(callOptions.prompt, nextToolCallId);
    const inputTokens = countWords(promptText(callOptions.prompt));
    return (signal) => echoParts(reply, inputTokens, { chunkSize, delayMs, signal });
  };

  const model: LanguageModelV3 = {
    specificationVersion: 'v3',
    provider: 'confab',
    modelId: 'echo',
    supportedUrls: {},
    async doGenerate(callOptions) {
      callOptions.abortSignal?.throwIfAborted();
      return generateFromParts(producerFor(callOptions), callOptions.abortSignal);
    },
    async doStream(callOptions) {
      callOptions.abortSignal?.throwIfAborted();
      return { stream: streamParts(producerFor(callOptions), callOptions.abortSignal) };
    },
  };
  return options.specificationVersion === 'v4' ? asV4(model) : model;
}

function planReply(
  prompt: LanguageModelV3Prompt,
  nextToolCallId: (prompt: LanguageModelV3Prompt) => string,
): EchoReply {
  const toolResult = trailingToolResult(prompt);
  if (toolResult) return { kind: 'text', text: `echo: ${toolResultAsText(toolResult)}`, sleepMs: 0 };

  const userText = turnUserText(prompt);
  const command = userText.trim();
  const toolCommand = TOOL_COMMAND.exec(command);
  if (toolCommand) {
    const input = parseJson(toolCommand[2] ?? '');
    if (input === undefined) return { kind: 'text', text: 'echo: invalid tool input', sleepMs: 0 };
    return { kind: 'tool-call', toolCallId: nextToolCallId(prompt), toolName: toolCommand[1]!, input };
  }
  const sleepCommand = SLEEP_COMMAND.exec(command);
  if (sleepCommand) {
    const sleepMs = Math.min(Number(sleepCommand[1]), ECHO_MAX_SLEEP_MS);
    return { kind: 'text', text: `echo: ${sleepCommand[2] ?? ''}`, sleepMs };
  }
  return { kind: 'text', text: `echo: ${userText}`, sleepMs: 0 };
}

/** The input re-serialized, so the tool sees canonical JSON whatever spacing the user typed. */
function parseJson(text: string): string | undefined {
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return undefined;
  }
}

async function* echoParts(reply: EchoReply, inputTokens: number, pacing: DeltaPacing): ReturnType<PartProducer> {
  yield { type: 'stream-start', warnings: [] };
  if (reply.kind === 'tool-call') {
    yield* toolCallParts(reply.toolCallId, reply.toolName, reply.input, pacing);
    pacing.signal.throwIfAborted();
    yield {
      type: 'finish',
      finishReason: finishReasonOf('tool-calls'),
      usage: usageOf(inputTokens, countWords(`${reply.toolName} ${reply.input}`)),
    };
    return;
  }
  if (reply.sleepMs > 0) await sleep(reply.sleepMs, pacing.signal);
  yield* textBlockParts('text', TEXT_ID, reply.text, pacing);
  pacing.signal.throwIfAborted();
  yield { type: 'finish', finishReason: finishReasonOf('stop'), usage: usageOf(inputTokens, countWords(reply.text)) };
}
