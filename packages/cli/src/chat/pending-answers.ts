import type { JsonValue, ResumeAnswers, TurnResult } from '@confab/client';
import { jsonOneLine } from '../format/text.js';
import type { LineReader } from './line-reader.js';

/** What the user is asked when a line is needed, and how the answer is shown when it comes from a pipe. */
export interface Asker {
  /** Shows `question` (on a terminal as the prompt) and reads the answer; null at the end of input. */
  ask(question: string): Promise<string | null>;
}

/**
 * Asks the user to answer what an interrupted turn waits on, one line per question: each approval
 * request (`y` approves once, `a` approves for the rest of the session, anything else denies), then
 * each client-side tool call that was not denied (its result as JSON; text that is not JSON is
 * sent as a string; an empty line sends an error result). At the end of input the remaining
 * approvals are denied and tool calls get an error result, so the session is not left waiting.
 */
export async function askForPendingAnswers(result: TurnResult, asker: Asker): Promise<ResumeAnswers> {
  const approvals: NonNullable<ResumeAnswers['approvals']> = [];
  const denied = new Set<string>();
  for (const request of result.pendingApprovals()) {
    const answer = await asker.ask(
      `allow ${request.toolName} ${jsonOneLine(request.input, 120)}? [y]es / [a]lways in this session / [N]o: `,
    );
    const decision = answer?.trim().toLowerCase() ?? '';
    const approved = ['y', 'yes', 'a', 'always'].includes(decision);
    approvals.push({
      toolCallId: request.toolCallId,
      approved,
      scope: decision === 'a' || decision === 'always' ? 'session' : 'once',
    });
    if (!approved) denied.add(request.toolCallId);
  }
  const toolResults: NonNullable<ResumeAnswers['toolResults']> = [];
  for (const call of result.pendingToolCalls()) {
    if (denied.has(call.toolCallId)) continue;
    const answer = await asker.ask(`result of ${call.toolName} as JSON (empty line: report an error): `);
    toolResults.push(toolResult(call.toolCallId, answer));
  }
  const answers: ResumeAnswers = {};
  if (approvals.length > 0) answers.approvals = approvals;
  if (toolResults.length > 0) answers.toolResults = toolResults;
  return answers;
}

function toolResult(toolCallId: string, answer: string | null): NonNullable<ResumeAnswers['toolResults']>[number] {
  const text = answer?.trim() ?? '';
  if (!text) {
    const reason = answer === null ? 'no result: the input ended' : 'no result given';
    return { toolCallId, output: { error: reason }, isError: true };
  }
  try {
    return { toolCallId, output: JSON.parse(text) as JsonValue };
  } catch {
    return { toolCallId, output: text };
  }
}

/** An {@link Asker} reading from `reader`; on a terminal the question is the prompt. */
export function readerAsker(reader: LineReader, show: (text: string) => void): Asker {
  return {
    async ask(question) {
      if (!reader.interactive) show(question.trimEnd());
      return reader.next(question);
    },
  };
}
