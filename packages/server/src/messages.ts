import { errors, eventsToMessages, type JsonValue, readConversationContext, type SessionEvent } from 'confab';
import type { SessionStore } from 'confab/store';
import type { WireModelMessage } from 'confab/wire';

/** Page sizes of `GET …/messages` (DESIGN §6.1): default 100, at most 1000 (capped, not refused). */
export const MESSAGE_PAGE_LIMITS = { default: 100, max: 1000 } as const;

type WirePart = Exclude<WireModelMessage['content'], string>[number];

/** A position in the messages after one compaction: which summary they follow, and how many came before. */
interface MessageCursor {
  compactionSeq: number | null;
  offset: number;
}

/** A page of `GET …/messages`. */
export interface MessagePage {
  messages: WireModelMessage[];
  summary: string | null;
  nextCursor: string | null;
}

/**
 * The conversation after the latest summary as AI SDK `ModelMessage`s, oldest first, `limit` per
 * page; `nextCursor` fetches newer ones (null when none exist yet). Reads only the session's
 * context (summary plus tail), so its cost does not grow with the whole history. A cursor from
 * before a newer compaction is refused (400): the messages it counted are now in the summary.
 */
export async function readMessagePage(
  store: SessionStore,
  sessionId: string,
  cursor: string | null,
  limit: number,
): Promise<MessagePage> {
  const context = await readConversationContext(store, sessionId);
  const compactionSeq = context.compaction?.seq ?? null;
  const position = cursor ? decodeCursor(cursor) : { compactionSeq, offset: 0 };
  if (position.compactionSeq !== compactionSeq) {
    throw errors.invalidArgument('the cursor is stale: the session was compacted since; start again without one');
  }
  const all = toWireMessages(context.events);
  const end = position.offset + limit;
  return {
    messages: all.slice(position.offset, end),
    summary: context.compaction?.data.summary ?? null,
    nextCursor: end < all.length ? encodeCursor({ compactionSeq, offset: end }) : null,
  };
}

/**
 * The events as wire messages: user, assistant and tool messages only, without provider options.
 * Unlike a model prompt, calls still waiting for an answer get no stand-in error result.
 */
export function toWireMessages(events: SessionEvent[]): WireModelMessage[] {
  const answered = new Set(events.flatMap((event) => (event.type === 'tool-result' ? [event.data.toolCallId] : [])));
  const messages: WireModelMessage[] = [];
  for (const message of eventsToMessages(events)) {
    if (message.role === 'user') {
      const content = message.content.flatMap((part): WirePart[] =>
        part.type === 'text' ? [{ type: 'text', text: part.text }] : [],
      );
      messages.push({ role: 'user', content });
    } else if (message.role === 'assistant') {
      const content = message.content.flatMap((part): WirePart[] => {
        if (part.type === 'text' || part.type === 'reasoning') return [{ type: part.type, text: part.text }];
        if (part.type === 'tool-call') {
          return [
            {
              type: 'tool-call',
              toolCallId: part.toolCallId,
              toolName: part.toolName,
              input: part.input as JsonValue,
            },
          ];
        }
        return [];
      });
      messages.push({ role: 'assistant', content });
    } else if (message.role === 'tool') {
      const content = message.content.flatMap((part): WirePart[] =>
        part.type === 'tool-result' && answered.has(part.toolCallId)
          ? [
              {
                type: 'tool-result',
                toolCallId: part.toolCallId,
                toolName: part.toolName,
                output: part.output as unknown as JsonValue,
              },
            ]
          : [],
      );
      if (content.length) messages.push({ role: 'tool', content });
    }
  }
  return messages;
}

function encodeCursor(cursor: MessageCursor): string {
  return Buffer.from(JSON.stringify([cursor.compactionSeq, cursor.offset])).toString('base64url');
}

function decodeCursor(text: string): MessageCursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2) {
      const [compactionSeq, offset] = value as [unknown, unknown];
      const validSeq = compactionSeq === null || (Number.isInteger(compactionSeq) && (compactionSeq as number) >= 0);
      if (validSeq && Number.isInteger(offset) && (offset as number) >= 0) {
        return { compactionSeq: compactionSeq as number | null, offset: offset as number };
      }
    }
  } catch {
    // Falls through to the one answer for every malformed cursor.
  }
  throw errors.invalidArgument('cursor is malformed');
}
