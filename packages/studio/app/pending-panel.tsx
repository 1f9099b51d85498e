import type { JsonValue } from '@confab/client';
import { useState } from 'react';
import { shortJson } from './format.js';
import type { PendingWork } from './timeline.js';

/**
 * What an interrupted turn waits for: approve or deny a tool call, or give a client tool's result
 * (JSON). The chat box answers through useChat; a call answered here while others still wait shows
 * as answered, and the turn resumes once all have their answer.
 */
export function PendingPanel({
  pending,
  answered,
  busy,
  onApprove,
  onToolResult,
}: {
  pending: PendingWork;
  answered: ReadonlySet<string>;
  busy: boolean;
  onApprove: (toolCallId: string, approved: boolean) => void;
  onToolResult: (toolCallId: string, toolName: string, output: JsonValue) => void;
}) {
  const [outputs, setOutputs] = useState<Record<string, string>>({});
  const [parseError, setParseError] = useState<string | null>(null);
  if (pending.approvals.length === 0 && pending.toolCalls.length === 0) return null;

  const sendResult = (toolCallId: string, toolName: string) => {
    const text = outputs[toolCallId] ?? '{}';
    let output: JsonValue;
    try {
      output = JSON.parse(text) as JsonValue;
    } catch {
      setParseError('the result must be JSON, e.g. {"ok": true} or "text"');
      return;
    }
    setParseError(null);
    onToolResult(toolCallId, toolName, output);
  };

  return (
    <section className="pending" aria-labelledby="pending-title" data-testid="pending">
      <h2 id="pending-title">The turn is waiting for you</h2>
      {parseError && (
        <p role="alert" className="error-text">
          {parseError}
        </p>
      )}
      {pending.approvals.map((approval) => (
        <div key={approval.toolCallId} className="pending-item" data-testid="pending-approval">
          <div>
            <strong>{approval.toolName}</strong> wants to run with <code>{shortJson(approval.input, 200)}</code>
          </div>
          {answered.has(approval.toolCallId) ? (
            <span className="muted small">Answered; sent with the others</span>
          ) : (
            <div className="row-gap">
              <button
                type="button"
                className="primary"
                disabled={busy}
                onClick={() => onApprove(approval.toolCallId, true)}
              >
                Approve
              </button>
              <button type="button" disabled={busy} onClick={() => onApprove(approval.toolCallId, false)}>
                Deny
              </button>
            </div>
          )}
        </div>
      ))}
      {pending.toolCalls.map((call) => (
        <div key={call.toolCallId} className="pending-item" data-testid="pending-tool-call">
          <div>
            Client tool <strong>{call.toolName}</strong> called with <code>{shortJson(call.input, 200)}</code>
          </div>
          <label className="grow">
            Result (JSON)
            <textarea
              rows={2}
              className="mono"
              value={outputs[call.toolCallId] ?? '{}'}
              onChange={(event) => setOutputs({ ...outputs, [call.toolCallId]: event.target.value })}
            />
          </label>
          <button
            type="button"
            className="primary"
            disabled={busy || answered.has(call.toolCallId)}
            onClick={() => sendResult(call.toolCallId, call.toolName)}
          >
            Send result
          </button>
        </div>
      ))}
    </section>
  );
}
