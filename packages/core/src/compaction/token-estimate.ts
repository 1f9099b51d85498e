import { countTokens, decode, encode } from 'gpt-tokenizer/encoding/o200k_base';
import type { SessionEvent } from '../model/event.js';

/**
 * Tokens a provider adds around each message (role markers, separators). OpenAI documents 3–4;
 * the exact figure differs per provider, and an estimate only needs to be close.
 */
export const MESSAGE_OVERHEAD_TOKENS = 4;

// User text may legitimately contain strings like `<|endoftext|>`: count them as plain text
// instead of letting the tokenizer throw on a "disallowed special token".
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/**
 * The number of tokens of `text` under the o200k_base encoding (GPT-4o and later). Other
 * providers tokenize differently, so for them this is an estimate, but a far better one than a
 * characters-per-token ratio. Never throws, whatever the text contains.
 */
export function estimateTokens(text: string): number {
  if (text === '') return 0;
  return countTokens(text, PLAIN_TEXT);
}

/**
 * `text` cut to at most `maxTokens` tokens (whole text when it already fits). Used to keep a single
 * oversized item (a huge tool output) from blowing a model call's input budget.
 */
export function truncateToTokens(text: string, maxTokens: number): string {
  const limit = Math.max(0, Math.floor(maxTokens));
  const tokens = encode(text, PLAIN_TEXT);
  if (tokens.length <= limit) return text;
  return decode(tokens.slice(0, limit));
}

/** JSON as a model receives it in a tool call or result; `undefined` is sent as `null`. */
export function jsonText(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}

/**
 * The estimated tokens one event costs in a model prompt: the text the model would see (input
 * text; assistant or system message text plus reasoning; tool name plus JSON input of a tool call;
 * JSON output of a tool result) plus {@link MESSAGE_OVERHEAD_TOKENS}. Events the model never sees
 * (turn-start, turn-end, state-patch, approvals, artifacts, errors, compaction) cost 0. Attached
 * files are not counted: their cost depends on the provider and the media.
 */
export function estimateEventTokenCost(event: SessionEvent): number {
  switch (event.type) {
    case 'input':
      return estimateTokens(event.data.text) + MESSAGE_OVERHEAD_TOKENS;
    case 'message':
      return estimateTokens(event.data.text) + estimateTokens(event.data.reasoning ?? '') + MESSAGE_OVERHEAD_TOKENS;
    case 'tool-call':
      return estimateTokens(event.data.toolName) + estimateTokens(jsonText(event.data.input)) + MESSAGE_OVERHEAD_TOKENS;
    case 'tool-result':
      return estimateTokens(jsonText(event.data.output)) + MESSAGE_OVERHEAD_TOKENS;
    default:
      return 0;
  }
}

/** The sum of {@link estimateEventTokenCost} over `events`. */
export function estimateEventTokens(events: readonly SessionEvent[]): number {
  let total = 0;
  for (const event of events) total += estimateEventTokenCost(event);
  return total;
}
