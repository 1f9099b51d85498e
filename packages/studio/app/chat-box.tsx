import type { ConfabClient } from '@confab/client';
import { type FormEvent, type KeyboardEvent, useState } from 'react';
import { describeError } from './api.js';
import { Icon } from './icons.js';

/**
 * Runs a turn with what the person typed (`POST …/turns`, streamed through the client), or queues
 * it as an input the server batches into its next turn (`POST …/inputs`). The timeline shows the
 * streamed events through the live tail, the same way it shows turns other processes run. Enter
 * sends; Shift+Enter adds a line.
 */
export function ChatBox({
  client,
  sessionId,
  running,
  disabled,
  onError,
}: {
  client: ConfabClient;
  sessionId: string;
  running: boolean;
  disabled: boolean;
  onError: (message: string | null) => void;
}) {
  const [text, setText] = useState('');
  const [queue, setQueue] = useState(false);
  const [sending, setSending] = useState(false);
  const [queued, setQueued] = useState(0);

  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    const input = text.trim();
    if (!input) return;
    const session = client.session(sessionId);
    onError(null);
    if (queue) {
      // Queued inputs may go in while a turn runs: that is how they get batched into the next one.
      setText('');
      try {
        await session.send(input);
        setQueued((count) => count + 1);
      } catch (thrown) {
        onError(describeError(thrown));
        setText(input);
      }
      return;
    }
    if (sending) return;
    setSending(true);
    setText('');
    try {
      for await (const _event of session.stream(input)) {
        // Drained here; the live tail renders the events.
      }
    } catch (thrown) {
      onError(describeError(thrown));
      setText(input);
    } finally {
      setSending(false);
    }
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      void submit();
    }
  };

  return (
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
      <div className="chat-controls">
        <label className="check">
          <input type="checkbox" checked={queue} onChange={(event) => setQueue(event.target.checked)} />
          Queue as input
        </label>
        <span aria-live="polite" className="muted small" data-testid="chat-status">
          {sending ? 'Running…' : running ? 'A turn is running' : ''}
          {queued > 0 && `${sending || running ? ' · ' : ''}${queued} queued from here`}
        </span>
        {(running || sending) && (
          <button
            type="button"
            onClick={() =>
              client
                .session(sessionId)
                .stop()
                .catch(() => undefined)
            }
          >
            <Icon name="stop" /> Stop
          </button>
        )}
        <button type="submit" className="primary" disabled={disabled || !text.trim() || (sending && !queue)}>
          <Icon name="send" /> Send
        </button>
      </div>
    </form>
  );
}
