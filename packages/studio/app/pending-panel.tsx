import type { ConfabClient, JsonValue, ResumeAnswers } from '@confab/client';
import { useState } from 'react';
import { describeError } from './api.js';
import { shortJson } from './format.js';
import type { PendingWork } from './timeline.js';

/**
 * What an interrupted turn waits for, answered from the page: approve or deny a tool call, or
 * give a client tool's result (JSON). Each answer is a streamed `POST …/resume`; the timeline shows
 * the resumed turn through the live tail.
 */
export function PendingPanel({
  client,
  sessionId,
  pending,
  onError,
}: {
  client: ConfabClient;
  sessionId: string;
  pending: PendingWork;
  onError: (message: string | null) => void;
}) {
  const [busy, setBusy] = useState(false);
  const [outputs, setOutputs] = useState<Record<string, string>>({});
  if (pending.approvals.length === 0 && pending.toolCalls.length === 0) return null;

  const resume = async (answers: ResumeAnswers) => {
    setBusy(true);
    onError(null);
    try {
      // Drained here; the live tail renders the events.
      for await (const _event of client.session(sessionId).resumeStream(answers)) {
        // nothing: see above
      }
    } catch (thrown) {
      onError(describeError(thrown));
    } finally {
      setBusy(false);
    }
  };

  const sendResult = (toolCallId: string) => {
    const text = outputs[toolCallId] ?? '{}';
    let output: JsonValue;
    try {
      output = JSON.parse(text) as JsonValue;
    } catch {
      onError('the result must be JSON, e.g. {"ok": true} or "text"');
      return;
    }
    void resume({ toolResults: [{ toolCallId, output }] });
  };

  return (
    <section className="pending" aria-labelledby="pending-title" data-testid="pending">
      <h2 id="pending-title">The turn is waiting for you</h2>
      {pending.approvals.map((approval) => (
        <div key={approval.toolCallId} className="pending-item" data-testid="pending-approval">
          <div>
            <strong>{approval.toolName}</strong> wants to run with <code>{shortJson(approval.input, 200)}</code>
          </div>
          <div className="row-gap">
            <button
              type="button"
              className="primary"
              disabled={busy}
              onClick={() => resume({ approvals: [{ toolCallId: approval.toolCallId, approved: true }] })}
            >
              Approve
            </button>
            <button
              type="button"
              disabled={busy}
              onClick={() => resume({ approvals: [{ toolCallId: approval.toolCallId, approved: false }] })}
            >
              Deny
            </button>
          </div>
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
          <button type="button" className="primary" disabled={busy} onClick={() => sendResult(call.toolCallId)}>
            Send result
          </button>
        </div>
      ))}
    </section>
  );
}
