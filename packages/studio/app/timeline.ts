import type { DeltaEvent, SessionEvent, StreamEvent } from '@confab/client';

/** One line of the timeline: a persisted event (or a turn header), or a message still streaming. */
export type TimelineRow =
  | { kind: 'turn'; key: string; turn: number; start: SessionEvent | null; end: SessionEvent | null }
  | { kind: 'event'; key: string; event: SessionEvent; result?: SessionEvent }
  | { kind: 'draft'; key: string; turn: number; messageId: string; text: string; reasoning: string };

/** A message being streamed: its deltas so far, until its persisted `message` supersedes it. */
interface Draft {
  turn: number;
  messageId: string;
  text: string;
  reasoning: string;
}

/**
 * The session's events as the Studio keeps them: persisted events by seq (a replayed one is kept
 * once) and the drafts of messages still streaming. Appending is cheap; {@link rows} is rebuilt
 * only when something changed.
 */
export class EventLog {
  readonly events: SessionEvent[] = [];
  private readonly seen = new Set<number>();
  private readonly drafts = new Map<string, Draft>();
  private cachedRows: TimelineRow[] | null = null;

  /** Adds a streamed event; returns whether anything changed. */
  add(event: StreamEvent): boolean {
    if (isDelta(event)) return this.addDelta(event);
    if (this.seen.has(event.seq)) return false;
    this.seen.add(event.seq);
    this.events.push(event);
    if (event.type === 'message') this.drafts.delete(event.data.messageId);
    // A turn's deltas are never followed by a message when it stopped before text: drop them at its end.
    if (event.type === 'turn-end') {
      for (const [id, draft] of this.drafts) if (draft.turn === event.turn) this.drafts.delete(id);
    }
    this.cachedRows = null;
    return true;
  }

  /** The last persisted seq, for a reconnect. */
  get lastSeq(): number {
    return this.events.at(-1)?.seq ?? 0;
  }

  /** The rows of the timeline, oldest first. */
  rows(): TimelineRow[] {
    this.cachedRows ??= buildRows(this.events, [...this.drafts.values()]);
    return this.cachedRows;
  }

  private addDelta(event: DeltaEvent): boolean {
    if (event.type !== 'text-delta' && event.type !== 'reasoning-delta') return false;
    const data = event.data as { messageId: string; delta: string };
    const draft = this.drafts.get(data.messageId) ?? {
      turn: event.turn,
      messageId: data.messageId,
      text: '',
      reasoning: '',
    };
    if (event.type === 'text-delta') draft.text += data.delta;
    else draft.reasoning += data.delta;
    this.drafts.set(data.messageId, draft);
    this.cachedRows = null;
    return true;
  }
}

function isDelta(event: StreamEvent): event is DeltaEvent {
  return 'sub' in event;
}

/**
 * Rows in log order: a header per turn (its `turn-start` and `turn-end`, so batching, model, stop
 * reason, usage and duration show at a glance), then each event. A tool call and its result share
 * a row; the result's own row is skipped.
 */
export function buildRows(events: SessionEvent[], drafts: Draft[] = []): TimelineRow[] {
  const ends = new Map<number, SessionEvent>();
  const results = new Map<string, SessionEvent>();
  for (const event of events) {
    if (event.type === 'turn-end') ends.set(event.turn, event);
    if (event.type === 'tool-result') results.set(event.data.toolCallId, event);
  }
  const calls = new Set<string>();
  for (const event of events) if (event.type === 'tool-call') calls.add(event.data.toolCallId);
  const rows: TimelineRow[] = [];
  for (const event of events) {
    if (event.type === 'turn-start') {
      rows.push({
        kind: 'turn',
        key: `turn-${event.seq}`,
        turn: event.turn,
        start: event,
        end: ends.get(event.turn) ?? null,
      });
      continue;
    }
    if (event.type === 'tool-result' && calls.has(event.data.toolCallId)) continue;
    if (event.type === 'tool-call') {
      rows.push({ kind: 'event', key: `e-${event.seq}`, event, result: results.get(event.data.toolCallId) });
      continue;
    }
    rows.push({ kind: 'event', key: `e-${event.seq}`, event });
  }
  for (const draft of drafts) rows.push({ kind: 'draft', key: `d-${draft.messageId}`, ...draft });
  return rows;
}

/** What an interrupted turn waits for: client tool calls without a result, approvals without an answer. */
export interface PendingWork {
  toolCalls: Array<{ toolCallId: string; toolName: string; input: unknown }>;
  approvals: Array<{ toolCallId: string; toolName: string; input: unknown }>;
}

/** The pending work of the session's last turn, when it ended `interrupted`; else nothing. */
export function pendingWork(events: SessionEvent[]): PendingWork {
  const none: PendingWork = { toolCalls: [], approvals: [] };
  let lastEnd = -1;
  for (let index = events.length - 1; index >= 0; index--) {
    if (events[index]?.type === 'turn-end') {
      lastEnd = index;
      break;
    }
  }
  const end = events[lastEnd];
  if (end?.type !== 'turn-end' || end.data.stopReason !== 'interrupted') return none;
  // An answer after the interrupt starts the resumed part of the same turn: nothing is pending until it ends.
  const turnEvents = events.filter((event) => event.turn === end.turn);
  const answered = new Set<string>();
  for (const event of turnEvents) {
    if (event.type === 'tool-result' || event.type === 'tool-approval') answered.add(event.data.toolCallId);
  }
  const work: PendingWork = { toolCalls: [], approvals: [] };
  for (const event of turnEvents) {
    if (event.type === 'tool-call' && event.data.executor === 'client' && !answered.has(event.data.toolCallId)) {
      work.toolCalls.push(event.data);
    }
    if (event.type === 'tool-approval-request' && !answered.has(event.data.toolCallId)) work.approvals.push(event.data);
  }
  return work;
}
