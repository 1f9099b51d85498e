import type { UIMessage } from 'ai';
import { type FormEvent, useEffect, useState } from 'react';
import { ChatView } from './chat-view.js';
import { chatIdFromAddress, loadMessages, openNewChat, savedToken, saveToken } from './confab-api.js';

type Loaded = { chatId: string; messages: UIMessage[] } | { chatId: string; error: string };

/**
 * The page: a token field, then one chat whose id lives in the address (`?chat=…`), so a reload
 * comes back to it. Its messages are loaded once before `useChat` starts, which then resumes the
 * answer that may still be running.
 */
export function App() {
  const [token, setToken] = useState(savedToken);
  const [chatId, setChatId] = useState(chatIdFromAddress);
  const [loaded, setLoaded] = useState<Loaded | null>(null);

  useEffect(() => {
    if (!token) return;
    let current = true;
    setLoaded(null);
    loadMessages(chatId, token).then(
      (messages) => current && setLoaded({ chatId, messages }),
      (error: unknown) =>
        current && setLoaded({ chatId, error: error instanceof Error ? error.message : String(error) }),
    );
    return () => {
      current = false;
    };
  }, [chatId, token]);

  return (
    <div className="page">
      <header className="top">
        <h1>
          Confab <span>×</span> useChat
        </h1>
        <TokenField token={token} onToken={setToken} />
        <button type="button" onClick={() => setChatId(openNewChat())} disabled={!token}>
          New chat
        </button>
      </header>
      <p className="chat-id">
        chat <code>{chatId}</code>
      </p>
      {!token && <p className="hint">Paste the dev token that `npm start` printed (Authorization: Bearer …).</p>}
      {token && loaded === null && <p className="hint">Loading the chat…</p>}
      {loaded && 'error' in loaded && (
        <p className="error" role="alert">
          Could not load the chat: {loaded.error}
        </p>
      )}
      {loaded && 'messages' in loaded && loaded.chatId === chatId && (
        <ChatView key={`${chatId}:${token}`} chatId={chatId} token={token} initialMessages={loaded.messages} />
      )}
    </div>
  );
}

function TokenField({ token, onToken }: { token: string; onToken: (token: string) => void }) {
  const [draft, setDraft] = useState(token);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const value = draft.trim();
    saveToken(value);
    onToken(value);
  };
  return (
    <form className="token" onSubmit={submit}>
      <input
        data-testid="token-input"
        type="password"
        value={draft}
        onChange={(event) => setDraft(event.target.value)}
        placeholder="token"
        aria-label="Bearer token"
      />
      <button type="submit" data-testid="token-save">
        {token ? 'Change token' : 'Connect'}
      </button>
    </form>
  );
}
