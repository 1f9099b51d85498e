import { getToolName, isToolUIPart, type UIMessage } from 'ai';
import { isClientTool } from './client-tools.js';

/** Props of {@link MessageParts}. */
export interface MessagePartsProps {
  message: UIMessage;
  /** A person's answer to a `tool-approval-request` (`part.approval.id`). */
  onApproval: (approvalId: string, approved: boolean) => void;
  /** Answers a client tool call that is still waiting (after a reload, say). */
  onClientTool: (toolName: string, toolCallId: string) => void;
  /** False while an answer streams: buttons wait for it. */
  canAnswer: boolean;
}

/** The parts of one message: text, reasoning, and tool calls with their approval and output. */
export function MessageParts({ message, onApproval, onClientTool, canAnswer }: MessagePartsProps) {
  return (
    <>
      {message.parts.map((part, index) => {
        const key = `${message.id}-${index}`;
        if (part.type === 'text') {
          return (
            <p key={key} className="text" data-testid="text">
              {part.text}
            </p>
          );
        }
        if (part.type === 'reasoning') {
          return (
            <p key={key} className="reasoning">
              {part.text}
            </p>
          );
        }
        if (!isToolUIPart(part)) return null;
        const toolName = getToolName(part);
        return (
          <div key={key} className={`tool ${part.state}`} data-testid="tool" data-state={part.state}>
            <div className="tool-head">
              <code>{toolName}</code>
              <span className="tool-state">{describeState(part.state)}</span>
            </div>
            {part.input !== undefined && <pre>{JSON.stringify(part.input)}</pre>}
            {part.state === 'approval-requested' && (
              <div className="actions">
                <button
                  type="button"
                  data-testid="approve"
                  disabled={!canAnswer}
                  onClick={() => onApproval(part.approval.id, true)}
                >
                  Approve
                </button>
                <button
                  type="button"
                  className="deny"
                  data-testid="deny"
                  disabled={!canAnswer}
                  onClick={() => onApproval(part.approval.id, false)}
                >
                  Deny
                </button>
              </div>
            )}
            {part.state === 'input-available' && canAnswer && isClientTool(toolName) && (
              <div className="actions">
                <button type="button" onClick={() => onClientTool(toolName, part.toolCallId)}>
                  Answer from this browser
                </button>
              </div>
            )}
            {part.state === 'output-available' && <pre className="output">{JSON.stringify(part.output)}</pre>}
            {part.state === 'output-error' && <pre className="output failed">{part.errorText}</pre>}
          </div>
        );
      })}
    </>
  );
}

function describeState(state: string): string {
  switch (state) {
    case 'input-streaming':
      return 'calling…';
    case 'input-available':
      return 'waiting for its output';
    case 'approval-requested':
      return 'needs your approval';
    case 'approval-responded':
      return 'answered';
    case 'output-available':
      return 'done';
    case 'output-error':
      return 'failed';
    case 'output-denied':
      return 'denied';
    default:
      return state;
  }
}
