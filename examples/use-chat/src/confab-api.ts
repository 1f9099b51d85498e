import type { UIMessage } from 'ai';

/**
 * The little the page asks of Confab besides what `useChat` does itself: the chat's messages when
 * the page opens (so a reload shows the history before `resume` re-joins a running answer) and a
 * server-side stop.
 */

/**
 * Where the Confab server is: by default the page's own origin, whose `/v1` Vite forwards to it;
 * `VITE_CONFAB_SERVER` (given to `vite` or `vite build`) names a server on another origin, which
 * must allow the page's origin with `--cors-origin`.
 */
export const CONFAB_SERVER: string = import.meta.env.VITE_CONFAB_SERVER ?? '';

const TOKEN_KEY = 'confab-use-chat-token';

/** The bearer token: the one saved in this browser, else `CONFAB_TOKEN` given to Vite, else none. */
export function savedToken(): string {
  return localStorage.getItem(TOKEN_KEY) ?? import.meta.env.CONFAB_TOKEN ?? '';
}

/** Remembers the token in this browser, so a reload keeps it. */
export function saveToken(token: string): void {
  localStorage.setItem(TOKEN_KEY, token);
}

/** The header every `/v1` call carries. */
export function authorization(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}` };
}

/** The chat id in the address (`?chat=…`), created and written there when missing. */
export function chatIdFromAddress(): string {
  return new URL(window.location.href).searchParams.get('chat') ?? openNewChat();
}

/** A new chat id, written to the address so a reload comes back to the same chat. */
export function openNewChat(): string {
  const chatId = `chat-${crypto.randomUUID()}`;
  const url = new URL(window.location.href);
  url.searchParams.set('chat', chatId);
  window.history.replaceState(null, '', url);
  return chatId;
}

/** `GET /v1/chat/{id}/messages`: the conversation as `UIMessage`s; none for a chat not yet started. */
export async function loadMessages(chatId: string, token: string): Promise<UIMessage[]> {
  const response = await fetch(`${CONFAB_SERVER}/v1/chat/${encodeURIComponent(chatId)}/messages`, {
    headers: authorization(token),
  });
  if (response.status === 404) return [];
  if (!response.ok) throw new Error(await describeFailure(response));
  const body = (await response.json()) as { messages: UIMessage[] };
  return body.messages;
}

/**
 * `POST /v1/chat/{id}/stop`: stops the running turn on the server. The server keeps the partial
 * text and ends the stream with `finish`, so `useChat` settles by itself (its own `stop()` would
 * only drop the connection and leave the turn running).
 */
export async function stopChat(chatId: string, token: string): Promise<void> {
  const response = await fetch(`${CONFAB_SERVER}/v1/chat/${encodeURIComponent(chatId)}/stop`, {
    method: 'POST',
    headers: authorization(token),
  });
  if (!response.ok) throw new Error(await describeFailure(response));
}

async function describeFailure(response: Response): Promise<string> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    if (body.error) return `${response.status} ${body.error.code}: ${body.error.message}`;
  } catch {
    // Not the JSON error shape (a proxy's page, say): show the status and the start of the text.
  }
  return `${response.status} ${text.slice(0, 200)}`;
}
