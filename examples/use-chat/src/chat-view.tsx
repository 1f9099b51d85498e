import { useChat } from '@ai-sdk/react';
import {
  DefaultChatTransport,
  lastAssistantMessageIsCompleteWithApprovalResponses,
  lastAssistantMessageIsCompleteWithToolCalls,
  type UIMessage,
} from 'ai';
import { type FormEvent, useEffect, useMemo, useRef, useState } from 'react';
import { browserInfo, CLIENT_TOOLS } from './client-tools.js';
import { CONFAB_SERVER, stopChat } from './confab-api.js';
import { MessageParts } from './message-parts.js';

/** Commands of the built-in `echo` model worth trying (DESIGN §7), offered as one-click chips. */
const EXAMPLES = [
  'Hello, Confab!',
  '/sleep 4000 This answer took four seconds: stop it, or reload the page while it waits.',
  '/tool browser_info {}',
  '/tool delete_file {"path":"notes.txt"}',
];

/** Props of {@link ChatView}. */
export interface ChatViewProps {
  chatId: string;
  token: string;
  /** The chat's messages as `GET /v1/chat/{id}/messages` returned them when the page opened. */
  initialMessages: UIMessage[];
}

/**
 * One chat: `useChat` with the stock `DefaultChatTransport` (only `api` and `headers` set),
 * `resume: true` so a reload re-joins a running answer, approvals and a client tool.
 */
export function ChatView({ chatId, token, initialMessages }: ChatViewProps) {
  const transport = useMemo(
    () => new DefaultChatTransport({ api: `${CONFAB_SERVER}/v1/chat`, headers: { Authorization: `Bearer ${token}` } }),
    [token],
  );
  const { messages, sendMessage, status, error, clearError, stop, addToolApprovalResponse, addToolOutput } = useChat({
    id: chatId,
    messages: initialMessages,
    transport,
    resume: true,
    // Approvals and client tool outputs go back to the server as soon as every pending call has one.
    sendAutomaticallyWhen: (options) =>
      lastAssistantMessageIsCompleteWithApprovalResponses(options) ||
      lastAssistantMessageIsCompleteWithToolCalls(options),
    onToolCall: ({ toolCall }) => {
      if (toolCall.toolName !== 'browser_info') return;
      // Not awaited: addToolOutput waits for the stream this callback is part of.
      void addToolOutput({ tool: 'browser_info', toolCallId: toolCall.toolCallId, output: browserInfo() });
    },
  });
  const [draft, setDraft] = useState('');
  const [stopping, setStopping] = useState(false);
  const busy = status === 'submitted' || status === 'streaming';
  const bottom = useRef<HTMLDivElement>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll whenever the conversation changes.
  useEffect(() => {
    // A block body: recent browsers return a promise from scrollIntoView, which React would take for a clean-up.
    bottom.current?.scrollIntoView({ block: 'end' });
  }, [messages]);
  useEffect(() => {
    if (!busy) setStopping(false);
  }, [busy]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const text = draft.trim();
    if (!text || busy) return;
    setDraft('');
    // `tools` is read only when the chat's session is created: it declares the page's own tools.
    void sendMessage({ text }, { body: { tools: CLIENT_TOOLS } });
  };

  const stopAnswer = async () => {
    setStopping(true);
    try {
      await stopChat(chatId, token);
    } catch {
      // The server could not be told: at least stop listening, as useChat's own stop does.
      await stop();
    }
  };

  return (
    <main className="chat">
      <section className="messages" aria-live="polite">
        {messages.length === 0 && <p className="empty">No messages yet. Try one of the examples below.</p>}
        {messages.map((message) => (
          <article key={message.id} className={`message ${message.role}`} data-testid={`message-${message.role}`}>
            <header>{message.role === 'user' ? 'You' : 'Assistant'}</header>
            <MessageParts
              message={message}
              onApproval={(id, approved) => void addToolApprovalResponse({ id, approved })}
              onClientTool={(toolName, toolCallId) =>
                void addToolOutput({ tool: toolName, toolCallId, output: browserInfo() })
              }
              canAnswer={!busy}
            />
          </article>
        ))}
        <div ref={bottom} />
      </section>

      {error && (
        <div className="error" role="alert">
          {describeChatError(error)}
          <button type="button" onClick={clearError}>
            Dismiss
          </button>
        </div>
      )}

      <footer className="composer">
        <div className="examples">
          {EXAMPLES.map((example) => (
            <button key={example} type="button" className="chip" onClick={() => setDraft(example)}>
              {example.length > 42 ? `${example.slice(0, 40)}…` : example}
            </button>
          ))}
        </div>
        <form onSubmit={submit}>
          <input
            data-testid="message-input"
            value={draft}
            onChange={(event) => setDraft(event.target.value)}
            placeholder="Say something, or try /sleep 5000 hi"
            aria-label="Message"
          />
          {busy ? (
            <button type="button" className="stop" data-testid="stop" onClick={stopAnswer} disabled={stopping}>
              {stopping ? 'Stopping…' : 'Stop'}
            </button>
          ) : (
            <button type="submit" data-testid="send" disabled={!draft.trim()}>
              Send
            </button>
          )}
        </form>
        <p className="status" data-testid="status" data-status={status}>
          {status === 'submitted' ? 'waiting for the answer…' : status === 'streaming' ? 'answering…' : status}
        </p>
      </footer>
    </main>
  );
}

/** useChat reports a refused request with the response body as its message: show the §5 error's text. */
function describeChatError(error: Error): string {
  try {
    const body = JSON.parse(error.message) as { error?: { code?: string; message?: string } };
    if (body.error?.message) return `${body.error.code}: ${body.error.message}`;
  } catch {
    // Not the JSON error shape: the message as it is.
  }
  return error.message;
}
