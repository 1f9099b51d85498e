import type { PendingApproval, PendingToolCall } from './turn-result.js';
import type { JsonValue, ResumeAnswers } from './types.js';

/** What a client-side tool handler receives besides the model's input. */
export interface ToolCallContext {
  sessionId: string;
  toolCallId: string;
  toolName: string;
  /** The turn call's signal, if it was given one. */
  signal: AbortSignal | undefined;
}

/**
 * Runs a client-side tool. The returned JSON value is the tool's result (`undefined` is sent as
 * `null`); a thrown error is sent as the error result `{ error: message }`, so the model learns
 * the tool failed and the turn goes on.
 */
export type ToolHandler = (
  input: JsonValue,
  context: ToolCallContext,
) => JsonValue | undefined | Promise<JsonValue | undefined>;

/** An approval request as an approval handler sees it. */
export interface ApprovalRequest extends PendingApproval {
  sessionId: string;
}

/** `true`/`false`, or an answer with a scope (`session`: do not ask again for this tool). */
export type ApprovalDecision = boolean | { approved: boolean; scope?: 'once' | 'session' };

/** Decides an approval request. A thrown error rejects the turn call (nothing is answered). */
export type ApprovalHandler = (request: ApprovalRequest) => ApprovalDecision | Promise<ApprovalDecision>;

/** Handlers that let a turn call answer interrupts by itself. */
export interface TurnHandlers {
  /** Client-side tools by name (declared at session creation with `tools`). */
  tools?: Record<string, ToolHandler>;
  onApproval?: ApprovalHandler;
}

/** The work an interrupted turn waits on. */
export interface PendingWork {
  toolCalls: PendingToolCall[];
  approvals: PendingApproval[];
}

/**
 * Answers the pending work with the handlers: approvals first (in order), then the client tool
 * calls that are still wanted (a denied call is not run), one at a time so handlers never race
 * each other. Returns null, answering nothing, when some of the work has no handler: the caller
 * then gets the interrupted turn to answer it by hand, all in one resume.
 */
export async function answerPendingWork(
  pending: PendingWork,
  handlers: TurnHandlers,
  sessionId: string,
  signal: AbortSignal | undefined,
): Promise<ResumeAnswers | null> {
  if (pending.toolCalls.length === 0 && pending.approvals.length === 0) return null;
  if (pending.approvals.length > 0 && !handlers.onApproval) return null;
  if (pending.toolCalls.some((call) => !hasOwn(handlers.tools, call.toolName))) return null;

  const approvals: NonNullable<ResumeAnswers['approvals']> = [];
  const denied = new Set<string>();
  for (const request of pending.approvals) {
    signal?.throwIfAborted();
    const decision = await handlers.onApproval!({ ...request, sessionId });
    const answer = typeof decision === 'boolean' ? { approved: decision } : decision;
    approvals.push({ toolCallId: request.toolCallId, approved: answer.approved, scope: answer.scope ?? 'once' });
    if (!answer.approved) denied.add(request.toolCallId);
  }

  const toolResults: NonNullable<ResumeAnswers['toolResults']> = [];
  for (const call of pending.toolCalls) {
    if (denied.has(call.toolCallId)) continue;
    signal?.throwIfAborted();
    const handler = handlers.tools![call.toolName]!;
    try {
      const output = await handler(call.input, {
        sessionId,
        toolCallId: call.toolCallId,
        toolName: call.toolName,
        signal,
      });
      toolResults.push({ toolCallId: call.toolCallId, output: output === undefined ? null : output });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      const message = error instanceof Error ? error.message : String(error);
      toolResults.push({ toolCallId: call.toolCallId, output: { error: message }, isError: true });
    }
  }

  const answers: ResumeAnswers = {};
  if (approvals.length > 0) answers.approvals = approvals;
  if (toolResults.length > 0) answers.toolResults = toolResults;
  return answers;
}

function hasOwn(tools: Record<string, ToolHandler> | undefined, name: string): boolean {
  return tools !== undefined && Object.hasOwn(tools, name) && typeof tools[name] === 'function';
}
