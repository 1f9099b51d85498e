import type { LanguageModelV3Prompt, LanguageModelV3ToolResultPart } from '@ai-sdk/provider';

/**
 * All the text of a prompt (system prompts, text and reasoning parts), newline-joined. Only used
 * to derive deterministic token counts, so tool calls, results and files are left out.
 */
export function promptText(prompt: LanguageModelV3Prompt): string {
  const texts: string[] = [];
  for (const message of prompt) {
    if (message.role === 'system') {
      texts.push(message.content);
      continue;
    }
    for (const part of message.content) {
      if (part.type === 'text' || part.type === 'reasoning') texts.push(part.text);
    }
  }
  return texts.join('\n');
}

/** The turn a message belongs to, when the runner tagged it (`providerOptions.confab.turn`). */
function taggedTurn(message: LanguageModelV3Prompt[number]): unknown {
  return (message.providerOptions?.confab as { turn?: unknown } | undefined)?.turn;
}

/**
 * The user text of the current turn: the text of every user message after the last assistant or
 * tool message. A batched turn delivers several user messages at once, so their texts are joined
 * with a newline; the text parts of one message are concatenated as they are, since providers may
 * split a single text into several parts. When the runner tagged messages with their turn, user
 * messages of an earlier turn that got no answer (stopped, crashed) are not part of this one.
 */
export function turnUserText(prompt: LanguageModelV3Prompt): string {
  const texts: string[] = [];
  let turn: unknown;
  for (let index = prompt.length - 1; index >= 0; index--) {
    const message = prompt[index]!;
    if (message.role === 'assistant' || message.role === 'tool') break;
    if (message.role !== 'user') continue;
    const tagged = taggedTurn(message);
    if (texts.length === 0) turn = tagged;
    else if (tagged !== turn) break;
    texts.unshift(
      message.content
        .filter((part) => part.type === 'text')
        .map((part) => part.text)
        .join(''),
    );
  }
  return texts.join('\n');
}

/**
 * The last tool-result part of the prompt when the prompt ends with a tool message, i.e. when the
 * model is being called back with the result of its own tool call. Undefined otherwise.
 */
export function trailingToolResult(prompt: LanguageModelV3Prompt): LanguageModelV3ToolResultPart | undefined {
  const last = prompt.at(-1);
  if (last?.role !== 'tool') return undefined;
  return last.content.filter((part) => part.type === 'tool-result').at(-1);
}

/**
 * How a tool result reads in an echo answer: the output value as JSON (text outputs become JSON
 * strings, so the answer is always valid JSON), or `denied` when the call was not executed.
 */
export function toolResultAsText(part: LanguageModelV3ToolResultPart): string {
  const output = part.output;
  if (output.type === 'execution-denied') return 'denied';
  return JSON.stringify(output.value) ?? 'null';
}

/** Whitespace-separated words: a deterministic stand-in for a tokenizer. */
export function countWords(text: string): number {
  const trimmed = text.trim();
  return trimmed === '' ? 0 : trimmed.split(/\s+/).length;
}

const TOOL_CALL_ID = /^call_(\d+)$/;

/**
 * A generator of tool call ids `call_<n>` for one model instance. Ids count up per call so they
 * are unique within a process, and each id is also above every `call_<n>` id already in the
 * prompt, so a fresh model (e.g. after a server restart) never reuses an id the conversation
 * history already holds.
 */
export function createToolCallIds(): (prompt: LanguageModelV3Prompt) => string {
  let last = 0;
  return (prompt) => {
    for (const message of prompt) {
      if (message.role !== 'assistant' && message.role !== 'tool') continue;
      for (const part of message.content) {
        if (part.type !== 'tool-call' && part.type !== 'tool-result') continue;
        const match = TOOL_CALL_ID.exec(part.toolCallId);
        if (match) last = Math.max(last, Number(match[1]));
      }
    }
    last += 1;
    return `call_${last}`;
  };
}
