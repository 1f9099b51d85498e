import type { LanguageModelV3Message } from '@ai-sdk/provider';
import type { NewEvent, SessionEvent, StopReason } from '../model/event.js';

/**
 * Test support for the compaction tests (not exported from the package): builds realistic event
 * logs turn by turn, the way the runner writes them.
 */
export class HistoryBuilder {
  readonly events: NewEvent[] = [];
  turn = 0;
  private calls = 0;
  private messages = 0;

  /** Opens a turn: `turn-start` followed by one `input` per text (a batch). */
  startTurn(...texts: string[]): this {
    this.turn += 1;
    const inputIds = texts.map((_, index) => `in_${this.turn}_${index}`);
    this.push({ type: 'turn-start', data: { inputIds, inputCount: texts.length, model: 'scripted' } });
    texts.forEach((text, index) => {
      this.push({ type: 'input', data: { inputId: inputIds[index]!, text } });
    });
    return this;
  }

  /** An assistant message. */
  say(text: string, reasoning?: string): this {
    this.messages += 1;
    const data = { messageId: `msg_${this.messages}`, role: 'assistant' as const, text };
    this.push({ type: 'message', data: reasoning ? { ...data, reasoning } : data });
    return this;
  }

  /** Tool calls of one step; returns their ids through `ids` when given. */
  call(toolName: string, options: { needsApproval?: boolean; ids?: string[] } = {}): this {
    this.calls += 1;
    const toolCallId = `call_${this.calls}`;
    options.ids?.push(toolCallId);
    const needsApproval = options.needsApproval ?? false;
    this.push({
      type: 'tool-call',
      data: { toolCallId, toolName, input: { query: `${toolName} ${this.calls}` }, executor: 'server', needsApproval },
    });
    if (needsApproval) this.push({ type: 'tool-approval-request', data: { toolCallId, toolName, input: {} } });
    return this;
  }

  /** The approval answer for `toolCallId`. */
  approve(toolCallId: string, approved = true): this {
    this.push({ type: 'tool-approval', data: { toolCallId, approved, scope: 'once' } });
    return this;
  }

  /** The result of `toolCallId` (the latest call by default). */
  result(toolCallId = `call_${this.calls}`, output: unknown = { ok: true }): this {
    this.push({
      type: 'tool-result',
      data: { toolCallId, toolName: 'tool', output: output as never, isError: false },
    });
    return this;
  }

  /** A tool call immediately followed by its result. */
  tool(toolName: string, output: unknown = { ok: true }): this {
    return this.call(toolName).result(undefined, output);
  }

  /** Closes the current turn. */
  endTurn(stopReason: StopReason = 'stop'): this {
    this.push({
      type: 'turn-end',
      data: { snapshotId: null, inputCount: 1, inputIds: [], stopReason, usage: null, durationMs: 1 },
    });
    return this;
  }

  /** A complete question-and-answer turn. */
  chat(question: string, answer: string): this {
    return this.startTurn(question).say(answer).endTurn();
  }

  /** The events as a store would return them: seqs from `firstSeq`. */
  persisted(firstSeq = 1): SessionEvent[] {
    return this.events.map(
      (event, index) =>
        ({ ...event, seq: firstSeq + index, sessionId: 'ses_test', at: '2025-01-01T00:00:00.000Z' }) as SessionEvent,
    );
  }

  private push(event: { type: NewEvent['type']; data: NewEvent['data'] }): void {
    this.events.push({ ...event, turn: this.turn } as NewEvent);
  }
}

/**
 * Problems that make `messages` an invalid provider conversation: a tool message first (after
 * system messages), a tool call without a result in the next tool message, or a tool result whose
 * call is not in the assistant message just before. Empty when valid.
 */
export function conversationProblems(messages: LanguageModelV3Message[]): string[] {
  const problems: string[] = [];
  const conversation = messages.filter((message) => message.role !== 'system');
  if (conversation[0]?.role === 'tool') problems.push('the conversation starts with a tool message');
  conversation.forEach((message, index) => {
    if (message.role === 'assistant') {
      const next = conversation[index + 1];
      const answered = new Set(
        next?.role === 'tool'
          ? next.content.flatMap((part) => (part.type === 'tool-result' ? [part.toolCallId] : []))
          : [],
      );
      for (const part of message.content) {
        if (part.type === 'tool-call' && !answered.has(part.toolCallId)) {
          problems.push(`tool call ${part.toolCallId} has no result right after it`);
        }
      }
    }
    if (message.role === 'tool') {
      const previous = conversation[index - 1];
      const called = new Set(
        previous?.role === 'assistant'
          ? previous.content.flatMap((part) => (part.type === 'tool-call' ? [part.toolCallId] : []))
          : [],
      );
      for (const part of message.content) {
        if (part.type === 'tool-result' && !called.has(part.toolCallId)) {
          problems.push(`tool result ${part.toolCallId} does not follow its call`);
        }
      }
    }
  });
  return problems;
}
