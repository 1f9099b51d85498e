import type { SessionInfo } from '@confab/client';
import type { UIMessage } from 'ai';
import { apiBaseUrl } from './api.js';

/** The chat ids DESIGN §9 can put in a path (the server's `ChatIdSchema`). */
const CHAT_ID = /^[^\s/\\]{1,256}$/;

/**
 * Where the chat box's `useChat` talks to for one session. A session with a clientSessionId is
 * the §9 chat of that id (`POST /v1/chat`, `…/chat/{id}/messages`, `…/chat/{id}/stop`), the same
 * chat a `useChat` app of the person's sees. Any other session — most of them: those made by
 * `POST /v1/sessions`, channels and forks — is reached by its id (`POST /v1/sessions/{id}/chat`,
 * the same requests and answers on the session in the path), so the Studio never has to give a
 * session a clientSessionId to chat with it.
 */
export interface ChatEndpoint {
  /** `DefaultChatTransport`'s `api`. */
  api: string;
  /** `useChat`'s `id`: the clientSessionId (§9) or the session id. */
  chatId: string;
  /** `GET`: `{ messages }`, the conversation as `UIMessage`s. */
  messagesUrl: string;
  /** `POST`: stops the running turn, wherever it runs (`{ ok, stopped }`). */
  stopUrl: string;
  /** Whether this is the §9 chat of the session's clientSessionId. */
  byClientSessionId: boolean;
}

/** The chat endpoint of `session` on the page's own API (see {@link ChatEndpoint}). */
export function chatEndpointOf(
  session: Pick<SessionInfo, 'id' | 'clientSessionId'>,
  base = apiBaseUrl(),
): ChatEndpoint {
  const clientId = session.clientSessionId;
  if (clientId !== null && CHAT_ID.test(clientId)) {
    const path = `${base}/v1/chat/${encodeURIComponent(clientId)}`;
    return {
      api: `${base}/v1/chat`,
      chatId: clientId,
      messagesUrl: `${path}/messages`,
      stopUrl: `${path}/stop`,
      byClientSessionId: true,
    };
  }
  const path = `${base}/v1/sessions/${encodeURIComponent(session.id)}`;
  return {
    api: `${path}/chat`,
    chatId: session.id,
    messagesUrl: `${path}/chat/messages`,
    stopUrl: `${path}/stop`,
    byClientSessionId: false,
  };
}

/** The conversation as `UIMessage`s (`GET messagesUrl`); throws the error shape's text on a refusal. */
export async function fetchUIMessages(endpoint: ChatEndpoint, token: string): Promise<UIMessage[]> {
  const response = await fetch(endpoint.messagesUrl, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(describeChatError(new Error(await response.text())));
  return ((await response.json()) as { messages: UIMessage[] }).messages;
}

/** Stops the running turn (`POST stopUrl`): the server saves the partial answer and ends the stream. */
export async function stopChatTurn(endpoint: ChatEndpoint, token: string): Promise<void> {
  const response = await fetch(endpoint.stopUrl, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(describeChatError(new Error(await response.text())));
}

/** useChat reports a refused request with the response body as its message: the §5 error's text. */
export function describeChatError(error: Error): string {
  try {
    const body = JSON.parse(error.message) as { error?: { code?: string; message?: string } };
    if (body.error?.message) return `${body.error.code}: ${body.error.message}`;
  } catch {
    // Not the JSON error shape: the message as it is.
  }
  return error.message;
}
