import { errors } from '../errors.js';
import type { SessionEvent } from '../model/event.js';

/**
 * True for the events a model sees as one message each: a user input, an assistant or system
 * message, a tool call, a tool result. Everything else is bookkeeping.
 */
export function isConversationMessage(event: SessionEvent): boolean {
  return (
    event.type === 'input' || event.type === 'message' || event.type === 'tool-call' || event.type === 'tool-result'
  );
}

function toolCallIdOf(event: SessionEvent): string | null {
  switch (event.type) {
    case 'tool-call':
    case 'tool-approval-request':
    case 'tool-approval':
    case 'tool-result':
      return event.data.toolCallId;
    default:
      return null;
  }
}

interface ToolCallGroup {
  turn: number;
  first: number;
  last: number;
  hasResult: boolean;
}

/**
 * Every event that names one tool call (its call, approval request, approval and result) forms a
 * group that must stay on one side of the cut. A group without a result is still "open" (a result
 * may yet be appended) unless its turn has since been closed for good: a later `turn-end` of the
 * same turn that is not `interrupted`, or the `turn-start` of a later turn.
 */
function collectGroups(events: readonly SessionEvent[]): { groups: ToolCallGroup[]; openFrom: number } {
  const byId = new Map<string, ToolCallGroup>();
  events.forEach((event, index) => {
    const id = toolCallIdOf(event);
    if (id === null) return;
    const group = byId.get(id);
    if (group) {
      group.last = index;
      group.hasResult ||= event.type === 'tool-result';
    } else {
      byId.set(id, { turn: event.turn, first: index, last: index, hasResult: event.type === 'tool-result' });
    }
  });
  const groups = [...byId.values()];
  let openFrom = events.length;
  for (const group of groups) {
    if (group.hasResult || isTurnClosedAfter(events, group)) continue;
    openFrom = Math.min(openFrom, group.first);
  }
  return { groups, openFrom };
}

function isTurnClosedAfter(events: readonly SessionEvent[], group: ToolCallGroup): boolean {
  for (let index = group.last + 1; index < events.length; index++) {
    const event = events[index]!;
    if (event.type === 'turn-end' && event.turn === group.turn && event.data.stopReason !== 'interrupted') return true;
    if (event.type === 'turn-start' && event.turn > group.turn) return true;
  }
  return false;
}

/**
 * The boundary before `events[index]` opens a turn: it is the turn's `turn-start`, or (for logs
 * written without one) the first `input` of a batch. A tail starting there begins with a user
 * message, which every provider accepts as the first message.
 */
function isTurnBoundary(events: readonly SessionEvent[], index: number): boolean {
  const event = events[index]!;
  if (event.type === 'turn-start') return true;
  if (event.type !== 'input') return false;
  const previous = events[index - 1];
  return !(previous && (previous.type === 'turn-start' || previous.type === 'input') && previous.turn === event.turn);
}

/**
 * Chooses where to compact a session's context `events` (oldest first, as `readContext` returns
 * them): the `throughSeq` such that every event with seq ≤ throughSeq is summarised and the rest
 * (the tail) stays verbatim. Null when nothing can be compacted.
 *
 * A cut before `events[i]` is admissible when:
 * 1. the tail holds at least `keepTail` conversation messages (see {@link isConversationMessage});
 * 2. the summarised part holds at least one conversation message (else it would summarise nothing);
 * 3. no tool call is split: its call, approval request, approval and result are all on one side;
 * 4. no open tool call (no result yet, turn not closed for good) is summarised, since its result
 *    would later land in the tail without its call;
 * 5. the tail's first conversation message is not a tool result.
 *
 * Among admissible cuts the latest one at a turn boundary is chosen: the tail starts with a turn's
 * `turn-start` (or first `input`), so with a user message, as some providers require. Only when
 * there is none, e.g. the kept messages all belong to one long agentic turn, the latest admissible
 * step boundary is chosen: the tail opens with an assistant message or tool call and the summarised
 * part ends with a tool result. Any other cut (between a question and its answer, inside one
 * model step) is never chosen. `keepTail` must be an integer ≥ 1.
 */
export function chooseCompactionCut(events: readonly SessionEvent[], keepTail: number): number | null {
  if (!Number.isInteger(keepTail) || keepTail < 1) {
    throw errors.invalidArgument(`keepTail must be an integer ≥ 1, got ${keepTail}`);
  }
  const count = events.length;
  // messagesFrom[i]: conversation messages in events[i..]; the head before i holds the rest.
  const messagesFrom = new Array<number>(count + 1).fill(0);
  for (let index = count - 1; index >= 0; index--) {
    messagesFrom[index] = messagesFrom[index + 1]! + (isConversationMessage(events[index]!) ? 1 : 0);
  }
  const total = messagesFrom[0]!;
  // firstMessageFrom[i]: index of the first conversation message at or after i (count when none).
  const firstMessageFrom = new Array<number>(count + 1).fill(count);
  for (let index = count - 1; index >= 0; index--) {
    firstMessageFrom[index] = isConversationMessage(events[index]!) ? index : firstMessageFrom[index + 1]!;
  }
  // splits[i] > 0: a cut before events[i] would separate the events of some tool call.
  const { groups, openFrom } = collectGroups(events);
  const splitDelta = new Array<number>(count + 1).fill(0);
  for (const group of groups) {
    if (group.last === group.first) continue;
    splitDelta[group.first + 1]! += 1;
    splitDelta[group.last + 1]! -= 1;
  }
  const splits = new Array<number>(count + 1).fill(0);
  let running = 0;
  for (let index = 0; index <= count; index++) {
    running += splitDelta[index]!;
    splits[index] = running;
  }

  // lastMessageBefore[i]: index of the last conversation message before i (-1 when none).
  const lastMessageBefore = new Array<number>(count + 1).fill(-1);
  for (let index = 1; index <= count; index++) {
    lastMessageBefore[index] = isConversationMessage(events[index - 1]!) ? index - 1 : lastMessageBefore[index - 1]!;
  }

  const admissible = (index: number): boolean => {
    if (messagesFrom[index]! < keepTail || total - messagesFrom[index]! < 1) return false;
    if (splits[index]! > 0 || index > openFrom) return false;
    const first = firstMessageFrom[index]!;
    return first < count && events[first]!.type !== 'tool-result';
  };
  // A new model step: the tail opens with the assistant's next message or call, and the step
  // before it ended with tool results (so no question is cut off from its answer, nor a step halved).
  const isStepBoundary = (index: number): boolean => {
    const first = events[firstMessageFrom[index]!]!;
    const previous = events[lastMessageBefore[index]!]!;
    return (first.type === 'message' || first.type === 'tool-call') && previous.type === 'tool-result';
  };

  let stepCut: number | null = null;
  for (let index = count - 1; index >= 1; index--) {
    if (total - messagesFrom[index]! < 1) break;
    if (!admissible(index)) continue;
    if (isTurnBoundary(events, index)) return events[index - 1]!.seq;
    if (stepCut === null && isStepBoundary(index)) stepCut = index;
  }
  return stepCut === null ? null : events[stepCut - 1]!.seq;
}
