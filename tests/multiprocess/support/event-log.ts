import type { SessionEvent, SessionEventOf } from 'confab';

/** One turn as the log records it. */
export interface LoggedTurn {
  index: number;
  start: SessionEventOf<'turn-start'>;
  /** Null for a turn still open at the end of the log. */
  end: SessionEventOf<'turn-end'> | null;
  /** Its events from `turn-start` to `turn-end`, both included. */
  events: SessionEvent[];
}

/**
 * Splits a session's whole log into its turns and throws, naming the seq, unless the log is
 * well formed: seqs contiguous from 1, `turn-start` and `turn-end` strictly alternating with
 * consecutive turn indexes, every event inside a turn labelled with that turn, and each turn
 * starting no earlier than the previous one ended. Only the last turn may still be open.
 */
export function splitTurns(events: SessionEvent[]): LoggedTurn[] {
  const turns: LoggedTurn[] = [];
  let open: LoggedTurn | null = null;
  events.forEach((event, position) => {
    const fail = (problem: string) => {
      throw new Error(`event log is malformed at seq ${event.seq} (${event.type}, turn ${event.turn}): ${problem}`);
    };
    if (event.seq !== position + 1) fail(`expected seq ${position + 1}`);
    if (event.type === 'turn-start') {
      if (open) fail(`turn ${open.index} is still open`);
      const previous = turns.at(-1);
      if (event.turn !== (previous?.index ?? 0) + 1) fail(`expected turn ${(previous?.index ?? 0) + 1}`);
      if (previous?.end && Date.parse(event.at) < Date.parse(previous.end.at)) {
        fail(`starts at ${event.at}, before turn ${previous.index} ended at ${previous.end.at}`);
      }
      open = { index: event.turn, start: event, end: null, events: [event] };
      turns.push(open);
      return;
    }
    if (!open) {
      if (event.type === 'turn-end') fail('a turn-end with no turn open');
      return; // Events outside turns (a manual compaction) carry the latest index; none is expected here.
    }
    if (event.turn !== open.index) fail(`inside turn ${open.index}`);
    open.events.push(event);
    if (event.type === 'turn-end') {
      open.end = event;
      open = null;
    }
  });
  return turns;
}
