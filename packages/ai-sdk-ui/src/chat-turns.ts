import { type SessionEvent, type SessionEventOf, visibleEvents } from 'confab';
import { assistantMessageIdOf } from './turn-chunks.js';

/** A turn of a chat as its UI shows it: the user message(s) and the one assistant message. */
export interface ChatTurn {
  /** The turn's `turn-start` (null for events before the first one read, e.g. after a compaction). */
  turnStart: SessionEventOf<'turn-start'> | null;
  /** The turn's inputs with the UI ids of their user messages. */
  inputs: Array<{ messageId: string; text: string; event: SessionEventOf<'input'> }>;
  /** The UI id of the turn's assistant message. */
  assistantMessageId: string;
  /** Every visible event of the turn, its `turn-start` and inputs included. */
  events: SessionEvent[];
}

/**
 * The visible conversation (superseded events dropped, see `visibleEvents`) cut into turns. A
 * turn's single input shows the client's message id recorded in its `turn-start` when there is
 * one, else its input id; the assistant message has the id recorded there, else one derived from
 * the turn-start's seq. Ids never change afterwards: a continuation, a reload and `…/messages`
 * all see the same ones.
 */
export function chatTurnsOf(events: SessionEvent[]): ChatTurn[] {
  const turns: ChatTurn[] = [];
  let current: ChatTurn | null = null;
  for (const event of visibleEvents(events)) {
    if (event.type === 'turn-start') {
      current = { turnStart: event, inputs: [], assistantMessageId: assistantMessageIdOf(event), events: [] };
      turns.push(current);
    } else if (!current || (current.turnStart && event.turn !== current.turnStart.turn)) {
      // Events of a turn whose turn-start is not in view (a compacted head) or outside any turn.
      current = { turnStart: null, inputs: [], assistantMessageId: `msg_seq${event.seq}`, events: [] };
      turns.push(current);
    }
    current.events.push(event);
    if (event.type === 'input') {
      const start = current.turnStart;
      const single = start?.data.userMessageId !== undefined && start.data.inputIds.length === 1;
      const messageId = single ? (start?.data.userMessageId as string) : event.data.inputId;
      current.inputs.push({ messageId, text: event.data.text, event });
    }
  }
  return turns;
}
