import type { SessionEvent, SessionEventOf, StopReason, Usage, WireTurn } from './types.js';

/** A client-side tool call the turn waits on. */
export type PendingToolCall = SessionEventOf<'tool-call'>['data'];
/** A tool call waiting for a person's approval. */
export type PendingApproval = SessionEventOf<'tool-approval-request'>['data'];

/**
 * The outcome of a turn: the fields of the API's `{ turn }` plus helpers. `events` are the turn's
 * persisted events from `turn-start` on (for a streamed resume you did not stream from the start:
 * from the resume on).
 */
export class TurnResult implements WireTurn {
  readonly index: number;
  readonly inputCount: number;
  readonly inputIds: string[];
  readonly events: SessionEvent[];
  readonly stopReason: StopReason;
  readonly snapshotId: string | null;
  readonly usage: Usage | null;
  readonly durationMs: number;

  constructor(turn: WireTurn) {
    this.index = turn.index;
    this.inputCount = turn.inputCount;
    this.inputIds = turn.inputIds;
    this.events = turn.events;
    this.stopReason = turn.stopReason;
    this.snapshotId = turn.snapshotId;
    this.usage = turn.usage;
    this.durationMs = turn.durationMs;
  }

  /**
   * Builds the result from the persisted events of a streamed turn; the last one must be its
   * `turn-end`. Returns null when it is not.
   */
  static fromEvents(events: SessionEvent[]): TurnResult | null {
    const end = events.at(-1);
    if (end?.type !== 'turn-end') return null;
    return new TurnResult({
      index: end.turn,
      inputCount: end.data.inputCount,
      inputIds: end.data.inputIds,
      events,
      stopReason: end.data.stopReason,
      snapshotId: end.data.snapshotId,
      usage: end.data.usage,
      durationMs: end.data.durationMs,
    });
  }

  /** The text of the turn's assistant `message` events, in order, joined with a newline. */
  text(): string {
    return this.events
      .filter((event): event is SessionEventOf<'message'> => event.type === 'message')
      .filter((event) => event.data.role === 'assistant')
      .map((event) => event.data.text)
      .join('\n');
  }

  /** Client-side tool calls without a result yet (what an `interrupted` turn waits on). */
  pendingToolCalls(): PendingToolCall[] {
    return pendingWork(this.events).toolCalls;
  }

  /** Approval requests without an answer yet. */
  pendingApprovals(): PendingApproval[] {
    return pendingWork(this.events).approvals;
  }

  /** The plain `{ turn }` object of the wire, e.g. for JSON serialization. */
  toJSON(): WireTurn {
    const { index, inputCount, inputIds, events, stopReason, snapshotId, usage, durationMs } = this;
    return { index, inputCount, inputIds, events, stopReason, snapshotId, usage, durationMs };
  }
}

/** The client tool calls and approval requests among `events` that have no answer yet. */
export function pendingWork(events: SessionEvent[]): { toolCalls: PendingToolCall[]; approvals: PendingApproval[] } {
  const answeredCalls = new Set<string>();
  const answeredApprovals = new Set<string>();
  for (const event of events) {
    if (event.type === 'tool-result') answeredCalls.add(event.data.toolCallId);
    if (event.type === 'tool-approval') answeredApprovals.add(event.data.toolCallId);
  }
  const toolCalls: PendingToolCall[] = [];
  const approvals: PendingApproval[] = [];
  for (const event of events) {
    if (event.type === 'tool-call' && event.data.executor === 'client' && !answeredCalls.has(event.data.toolCallId)) {
      toolCalls.push(event.data);
    }
    if (event.type === 'tool-approval-request' && !answeredApprovals.has(event.data.toolCallId)) {
      approvals.push(event.data);
    }
  }
  return { toolCalls, approvals };
}
