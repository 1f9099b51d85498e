import {
  type ChatBackend,
  ChatIdSchema,
  ChatRequestSchema,
  type ChatStream,
  parseChatRequest,
  readChatMessages,
  resumeChatStream,
  runChatRequest,
  sessionUIMessages,
  stopChat,
  textOfMessage,
} from '@confab/ai-sdk-ui';
import { UI_MESSAGE_STREAM_HEADERS } from 'ai';
import { ConfabError, errors, type SessionRecord } from 'confab';
import type { Context } from 'hono';
import type { ServerContext, ServerEnv } from '../context.js';
import { checkModelName } from '../model-check.js';
import { pathParam, readJsonBody } from '../request-input.js';
import type { RouteTable } from '../route-table.js';
import { SseStream, untilAborted } from '../sse.js';
import { acquireStream, type StreamSlot } from '../stream-slots.js';
import { ownSession } from './sessions.js';

/**
 * `useChat` requests send the whole conversation although only the last message is read, so a
 * chat body may be this many times the API's body limit.
 */
const CHAT_BODY_FACTOR = 8;

/**
 * The AI SDK UI endpoints of DESIGN §9: `POST /v1/chat` (a `useChat` request: a turn, a replay, a
 * regenerate, an edit or a resume, answered as a UI message stream), `GET /v1/chat/{id}/stream`
 * (the running turn from its start, then live; 204 when none runs), `POST /v1/chat/{id}/stop`
 * and `GET /v1/chat/{id}/messages`. A chat id names the app's session with that
 * `clientSessionId`, created on first use. Refusals before the stream starts use the error shape.
 * Beside them, `POST /v1/sessions/{id}/chat` and `GET /v1/sessions/{id}/chat/messages` answer the
 * same requests on any session of the app named by its id (docs/http-api.md).
 */
export function registerChatRoutes(routes: RouteTable, server: ServerContext): void {
  const backend: ChatBackend = { pool: server.pool, store: server.store };

  routes.add('POST', '/v1/chat', (context) => serveChatRequest(context, server, backend, null));

  routes.add('GET', '/v1/chat/:id/stream', async (context) => {
    const chatId = chatIdParam(context);
    const appId = context.get('appId');
    const slot = acquireStream(server, context, 'turn', appId);
    const stream = chatSseStream(context, server, slot);
    let chat: ChatStream | null;
    try {
      chat = await resumeChatStream(backend, chatId, { appId, signal: stream.signal });
    } catch (error) {
      slot.release();
      throw error;
    }
    if (!chat) {
      slot.release();
      return context.body(null, 204);
    }
    return respond(stream, chat);
  });

  routes.add('POST', '/v1/chat/:id/stop', async (context) => {
    const stopped = await stopChat(backend, chatIdParam(context), { appId: context.get('appId') });
    return context.json({ ok: true, stopped });
  });

  routes.add('GET', '/v1/chat/:id/messages', async (context) => {
    const messages = await readChatMessages(backend, chatIdParam(context), { appId: context.get('appId') });
    return context.json({ messages });
  });

  // Not part of §9: the same requests on a session named by its id, so that any session (most have
  // no clientSessionId) can be a useChat chat, as in the Studio. §9's routes are unchanged.
  routes.add('POST', '/v1/sessions/:id/chat', async (context) =>
    serveChatRequest(context, server, backend, await ownSession(context, server)),
  );

  routes.add('GET', '/v1/sessions/:id/chat/messages', async (context) => {
    const messages = await sessionUIMessages(backend, await ownSession(context, server));
    return context.json({ messages });
  });
}

/**
 * A `useChat` request as a UI message stream: on the chat's session (`session` null: found or
 * created by the body's chat id, DESIGN §9) or on `session`. Refusals come before the stream.
 */
async function serveChatRequest(
  context: Context<ServerEnv>,
  server: ServerContext,
  backend: ChatBackend,
  session: SessionRecord | null,
): Promise<Response> {
  const body = await readJsonBody(context, ChatRequestSchema, server.limits.maxBodyBytes * CHAT_BODY_FACTOR);
  const request = await parseChatRequest(body);
  if (textOfMessage(request.lastMessage).length > server.limits.maxInputChars) {
    throw new ConfabError(
      'payload_too_large',
      `the message is over the limit of ${server.limits.maxInputChars} characters`,
    );
  }
  if (!session) await checkModelName(server, request.session.model);
  const appId = context.get('appId');
  server.rateLimiter.take(appId);
  const slot = acquireStream(server, context, 'turn', appId);
  const stream = chatSseStream(context, server, slot);
  let chat: ChatStream;
  try {
    const settle = server.runningTurns.acquire(appId);
    try {
      chat = await runChatRequest(backend, request, { appId, signal: stream.signal, ...(session && { session }) });
    } catch (error) {
      settle();
      throw error;
    }
    // The running-turn slot is freed when the turn settles, not when the client leaves.
    (chat.settled ?? Promise.resolve()).then(settle, settle);
  } catch (error) {
    slot.release();
    throw error;
  }
  return respond(stream, chat);
}

function chatIdParam(context: Context<ServerEnv>): string {
  const parsed = ChatIdSchema.safeParse(pathParam(context, 'id'));
  if (!parsed.success) throw errors.invalidArgument(`invalid chat id: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

function chatSseStream(context: Context<ServerEnv>, server: ServerContext, slot: StreamSlot): SseStream {
  return new SseStream({
    heartbeatMs: server.heartbeatMs,
    requestSignal: context.req.raw.signal,
    // A revoked token stops seeing the turn; the turn itself goes on (only a stop ends it).
    revokedSignal: slot.revokedSignal,
    requestId: context.get('requestId'),
    logger: context.get('log'),
    onClose: slot.release,
  });
}

/** The UI message stream: one `data:` frame per chunk, then `data: [DONE]`, with §9's headers. */
function respond(stream: SseStream, chat: ChatStream): Response {
  // Connection is hop-by-hop: the listener manages it.
  const { connection: _hopByHop, ...headers } = UI_MESSAGE_STREAM_HEADERS;
  return stream.respond(async (send, signal) => {
    for await (const chunk of untilAborted(chat.chunks, signal)) await send({ data: JSON.stringify(chunk) });
    if (!signal.aborted) await send({ data: '[DONE]' });
  }, headers);
}
