import { type UIMessage, validateUIMessages } from 'ai';
import { errors } from 'confab';
import { ClientToolSchema, ModelNameSchema } from 'confab/wire';
import { z } from 'zod';

/** A chat id: the AI SDK's chat id, used as the chat's session's `clientSessionId`. */
export const ChatIdSchema = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[^\s/\\]+$/, 'a chat id has no whitespace or slashes');

/**
 * The body `DefaultChatTransport` posts (`{ id, messages, trigger, messageId, … }`), or `{ id,
 * message }` with only the last message, plus the session options used when the chat's session
 * is created. Loose: a transport's own `body` fields pass through unread.
 */
export const ChatRequestSchema = z.looseObject({
  id: ChatIdSchema,
  messages: z.array(z.unknown()).max(100_000).optional(),
  message: z.unknown().optional(),
  trigger: z.enum(['submit-message', 'regenerate-message']).optional(),
  messageId: z.string().min(1).max(256).nullish(),
  agent: z.string().min(1).max(256).nullish(),
  model: ModelNameSchema.nullish(),
  tools: z
    .array(ClientToolSchema)
    .max(128)
    .refine((tools) => new Set(tools.map((tool) => tool.name)).size === tools.length, 'tool names must be unique')
    .nullish(),
});

/** A parsed chat request: the chat, what triggered it, and its last message (validated). */
export interface ChatRequest {
  chatId: string;
  trigger: 'submit-message' | 'regenerate-message';
  /** The `messageId` the transport sent: the message to regenerate, edit or continue. */
  messageId: string | null;
  /** The only message the server reads (DESIGN §9). */
  lastMessage: UIMessage;
  /** Session options, used when the chat's session is created. */
  session: { agent: string | null; model: string | null; tools: z.infer<typeof ClientToolSchema>[] | null };
}

/**
 * Parses a `useChat` request body. A malformed body, a missing last message or one that is not a
 * valid `UIMessage` (checked with the AI SDK's own `validateUIMessages`) → `invalid_argument`.
 */
export async function parseChatRequest(body: unknown): Promise<ChatRequest> {
  const parsed = ChatRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    throw errors.invalidArgument(`invalid chat request: ${where}${issue?.message ?? 'malformed'}`);
  }
  const request = parsed.data;
  const last = request.message ?? request.messages?.at(-1);
  if (last === undefined) throw errors.invalidArgument('a chat request needs `messages` or `message`');
  let lastMessage: UIMessage;
  try {
    [lastMessage] = (await validateUIMessages({ messages: [last] })) as [UIMessage];
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : 'invalid';
    throw errors.invalidArgument(`the last message is not a valid UIMessage: ${reason}`);
  }
  return {
    chatId: request.id,
    trigger: request.trigger ?? 'submit-message',
    messageId: request.messageId ?? null,
    lastMessage,
    session: { agent: request.agent ?? null, model: request.model ?? null, tools: request.tools ?? null },
  };
}

/** The text of a user message: its text parts, in order, joined by blank lines. */
export function textOfMessage(message: UIMessage): string {
  return message.parts
    .flatMap((part) => (part.type === 'text' ? [part.text] : []))
    .join('\n\n')
    .trim();
}

/**
 * `GET /v1/chat/{id}/messages`: `{ messages }`, the chat as AI SDK `UIMessage`s (described loosely
 * here: the AI SDK defines their parts).
 */
export const ChatMessagesResponseSchema = z.object({
  messages: z.array(
    z.looseObject({
      id: z.string(),
      role: z.enum(['system', 'user', 'assistant']),
      parts: z.array(z.looseObject({ type: z.string() })),
    }),
  ),
});
