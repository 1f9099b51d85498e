import type { JsonValue, MessagePage, ModelMessage, Session } from '@confab/client';
import { jsonOneLine } from '../format/text.js';

/** The largest page of messages the API gives (DESIGN §6.1). */
const MESSAGE_PAGE_LIMIT = 1000;
const VALUE_WIDTH = 200;

/** The conversation as the model sees it: the latest summary (or null) and every message after it, oldest first. */
export async function loadHistory(session: Session): Promise<{ summary: string | null; messages: ModelMessage[] }> {
  const messages: ModelMessage[] = [];
  let summary: string | null = null;
  let cursor: string | undefined;
  do {
    const page: MessagePage = await session.messages({ cursor, limit: MESSAGE_PAGE_LIMIT });
    summary = page.summary;
    messages.push(...page.messages);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return { summary, messages };
}

/** A model message as transcript lines: `you:` / `assistant:` text, tool calls and results tagged. */
export function formatMessage(message: ModelMessage): string[] {
  const speaker = message.role === 'user' ? 'you' : message.role;
  if (typeof message.content === 'string') return [`${speaker}: ${message.content}`];
  return message.content.map((part) => {
    if (part.type === 'text' || part.type === 'reasoning') {
      return `${speaker}${part.type === 'reasoning' ? ' (reasoning)' : ''}: ${String(part.text ?? '')}`;
    }
    if (part.type === 'tool-call') {
      return `[tool call] ${String(part.toolName)} ${jsonOneLine(part.input ?? null, VALUE_WIDTH)}`;
    }
    if (part.type === 'tool-result') {
      return `[tool result] ${String(part.toolName)} → ${jsonOneLine(unwrapOutput(part.output ?? null), VALUE_WIDTH)}`;
    }
    return `[${part.type}] ${jsonOneLine(part, VALUE_WIDTH)}`;
  });
}

/**
 * The value inside an AI SDK tool output (`{ type: "json" | "error-json" | "text" | "error-text",
 * value }`), so history shows the same result as the live `[tool result]` line; other shapes as is.
 */
function unwrapOutput(output: JsonValue): JsonValue {
  if (typeof output !== 'object' || output === null || Array.isArray(output)) return output;
  const { type, value } = output;
  const known = type === 'json' || type === 'error-json' || type === 'text' || type === 'error-text';
  return known && value !== undefined ? value : output;
}
