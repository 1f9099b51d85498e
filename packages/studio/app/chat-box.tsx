import { useChat } from '@ai-sdk/react';
import type { ConfabClient, JsonValue, SessionInfo } from '@confab/client';
import {
  DefaultChatTransport,
  lastAssistantMessageIsCompleteWithApprovalResponses,
  lastAssistantMessageIsCompleteWithToolCalls,
  type UIMessage,
} from 'ai';
import { type FormEvent, type KeyboardEvent, useEffect, useMemo, useState } from 'react';
import { describeError } from './api.js';
import { chatEndpointOf, describeChatError, fetchUIMessages, stopChatTurn } from './chat-endpoint.js';
import { Icon } from './icons.js';
import { PendingPanel } from './pending-panel.js';
import type { PendingWork } from './timeline.js';

type ToolPart = Extract<UIMessage['parts'][number], { toolCallId: string }>;

/** The tool part of `toolCallId` in `message` that still waits for an answer, if any. */
function pendingPartOf(message: UIMessage | undefined, toolCallId: string): ToolPart | undefined {
  const part = message?.parts.find((candidate) => 'toolCallId' in candidate && candidate.toolCallId === toolCallId) as
    | ToolPart
    | undefined;
  return part && (part.state === 'approval-requested' || part.state === 'input-available') ? part : undefined;
}

/**
 * The chat box: a `useChat` client (the stock `DefaultChatTransport`, only `api` and `headers`)
 * of the session's chat (see `chatEndpointOf`: DESIGN §9 by clientSessionId, else the session's
 * own chat route). Enter sends a turn, streamed; Stop ends it on the server; what an interrupted
 * turn waits for is answered with `addToolApprovalResponse` / `addToolOutput`, and useChat sends
 * the continuation itself once every pending call has its answer. "Queue as input" instead queues
 * the text (`POST …/inputs`) to be batched into the next turn. The timeline shows the turns
 * through the live tail, the same way it shows turns other processes run.
 *
 * useChat's own message list holds only what the next request needs: the server reads only the
 * last message (§9), so a long session's conversation is never sent back to it.
 */
export function ChatBox({
  client,
  token,
  session,
  running,
  pending,
  onError,
}: {
  client: ConfabClient;
  token: string;
  session: Pick<SessionInfo, 'id' | 'clientSessionId' | 'status'>;
  running: boolean;
  pending: PendingWork;
  onError: (message: string | null) => void;
}) {
  const endpoint = useMemo(
    () => chatEndpointOf({ id: session.id, clientSessionId: session.clientSessionId }),
    [session.id, session.clientSessionId],
  );
  const transport = useMemo(
    () => new DefaultChatTransport({ api: endpoint.api, headers: { Authorization: `Bearer ${token}` } }),
    [endpoint.api, token],
  );
  const chat = useChat({
    id: endpoint.chatId,
    transport,
    // Approvals and client tool results go back as soon as every pending call has one.
    sendAutomaticallyWhen: (options) =>
      lastAssistantMessageIsCompleteWithApprovalResponses(options) ||
      lastAssistantMessageIsCompleteWithToolCalls(options),
  });
  const [text, setText] = useState('');
  const [queue, setQueue] = useState(false);
  const [queued, setQueued] = useState(0);
  const [answering, setAnswering] = useState(false);
  const [answered, setAnswered] = useState<ReadonlySet<string>>(new Set());
  const busy = chat.status === 'submitted' || chat.status === 'streaming';
  const disabled = session.status === 'closed';

  useEffect(() => {
    if (chat.error) onError(describeChatError(chat.error));
  }, [chat.error, onError]);
  // A new interrupt asks again: what was answered belongs to the turn before.
  const pendingKey = [...pending.approvals, ...pending.toolCalls].map((call) => call.toolCallId).join(',');
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset whenever the pending calls change.
  useEffect(() => setAnswered(new Set()), [pendingKey]);

  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    const input = text.trim();
    if (!input) return;
    onError(null);
    chat.clearError();
    if (queue) {
      // Queued inputs may go in while a turn runs: that is how they get batched into the next one.
      setText('');
      try {
        await client.session(session.id).send(input);
        setQueued((count) => count + 1);
      } catch (thrown) {
        onError(describeError(thrown));
        setText(input);
      }
      return;
    }
    if (busy) return;
    setText('');
    chat.setMessages([]);
    await chat.sendMessage({ text: input });
  };

  const stop = async () => {
    try {
      await stopChatTurn(endpoint, token);
    } catch (thrown) {
      onError(describeError(thrown));
      // The server could not be told: at least stop listening, as useChat's own stop does.
      await chat.stop();
    }
  };

  /**
   * Answers one pending call through useChat. The pending assistant message comes from the
   * server (`…/messages`) unless useChat already holds it (it streamed it, or an earlier answer of
   * the same turn put it there: reloading would forget that answer).
   */
  const answer = async (toolCallId: string, apply: (part: ToolPart) => Promise<void>) => {
    setAnswering(true);
    onError(null);
    chat.clearError();
    try {
      let part = pendingPartOf(chat.messages.at(-1), toolCallId);
      if (!part) {
        const messages = await fetchUIMessages(endpoint, token);
        const message = messages.findLast((candidate) => pendingPartOf(candidate, toolCallId));
        part = pendingPartOf(message, toolCallId);
        if (!message || !part) throw new Error(`tool call ${toolCallId} is not pending any more`);
        chat.setMessages([message]);
      }
      await apply(part);
      setAnswered((previous) => new Set([...previous, toolCallId]));
    } catch (thrown) {
      onError(describeError(thrown));
    } finally {
      setAnswering(false);
    }
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      void submit();
    }
  };

  const reply = chat.messages.findLast((message) => message.role === 'assistant');
  const replyText = reply?.parts.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('') ?? '';

  return (
    <>
      <PendingPanel
        pending={pending}
        answered={answered}
        busy={answering || busy}
        onApprove={(toolCallId, approved) =>
          answer(toolCallId, async (part) => {
            if (!('approval' in part) || !part.approval) throw new Error('this call asks for no approval');
            await chat.addToolApprovalResponse({ id: part.approval.id, approved });
          })
        }
        onToolResult={(toolCallId, toolName, output: JsonValue) =>
          answer(toolCallId, async (part) => {
            await chat.addToolOutput({ tool: toolName, toolCallId: part.toolCallId, output });
          })
        }
      />
      <form className="chat" onSubmit={submit} aria-label="Chat">
        <label htmlFor="chat-input" className="sr-only">
          Message
        </label>
        <textarea
          id="chat-input"
          rows={2}
          value={text}
          disabled={disabled}
          placeholder={disabled ? 'This session is closed' : 'Message… (try /tool name {"json": 1} or /sleep 2000 hi)'}
          onChange={(event) => setText(event.target.value)}
          onKeyDown={onKeyDown}
        />
        {replyText && (
          <p className="chat-reply small" data-testid="chat-reply" data-status={chat.status}>
            <span className="muted">Streamed to this box: </span>
            {replyText}
          </p>
        )}
        <div className="chat-controls">
          <label className="check">
            <input type="checkbox" checked={queue} onChange={(event) => setQueue(event.target.checked)} />
            Queue as input
          </label>
          <span
            aria-live="polite"
            className="muted small"
            data-testid="chat-status"
            data-chat-status={chat.status}
            title={endpoint.byClientSessionId ? `useChat: the chat ${endpoint.chatId}` : 'useChat: this session'}
          >
            {chat.status === 'submitted'
              ? 'Waiting for the answer…'
              : chat.status === 'streaming'
                ? 'Answering…'
                : running
                  ? 'A turn is running'
                  : ''}
            {queued > 0 && `${busy || running ? ' · ' : ''}${queued} queued from here`}
          </span>
          {(running || busy) && (
            <button type="button" onClick={() => void stop()}>
              <Icon name="stop" /> Stop
            </button>
          )}
          <button type="submit" className="primary" disabled={disabled || !text.trim() || (busy && !queue)}>
            <Icon name="send" /> Send
          </button>
        </div>
      </form>
    </>
  );
}
