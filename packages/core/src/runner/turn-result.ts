import { errors } from '../errors.js';
import type { SessionEvent } from '../model/event.js';
import type { QueuedInput } from '../model/records.js';
import type { SessionStore } from '../store/port/session-store.js';
import type { TurnResult } from './turn-engine.js';

/**
 * The result of the turn that consumed `input`, rebuilt from the log (for an idempotent retry of a
 * turn request). Reads only around the input's event: the turn's `turn-start` sits just before its
 * inputs, and the turn ends at its last `turn-end` (nothing after it is listed).
 */
export async function readTurnResult(store: SessionStore, sessionId: string, input: QueuedInput): Promise<TurnResult> {
  if (input.consumedSeq === null || input.consumedTurn === null) {
    throw errors.conflict(`input ${input.id} has not been consumed by a turn`);
  }
  const turn = input.consumedTurn;
  const events: SessionEvent[] = [];
  // A turn-start precedes at most a batch of inputs; start a little before the input's own event.
  let after = Math.max(0, input.consumedSeq - 1025);
  for (;;) {
    const page = await store.readEvents(sessionId, { after, limit: 1000 });
    for (const event of page.events) if (event.turn === turn) events.push(event);
    const last = page.events[page.events.length - 1];
    if (page.nextAfter === null || (last && last.turn > turn)) break;
    after = page.nextAfter;
  }
  const fromStart = events.slice(
    Math.max(
      0,
      events.findIndex((event) => event.type === 'turn-start'),
    ),
  );
  const ends = fromStart.filter(
    (event): event is Extract<SessionEvent, { type: 'turn-end' }> => event.type === 'turn-end',
  );
  const end = ends[ends.length - 1];
  const start = fromStart[0];
  if (!end || start?.type !== 'turn-start') throw errors.conflict(`turn ${turn} of session ${sessionId} has not ended`);
  return {
    index: turn,
    inputCount: start.data.inputCount,
    inputIds: start.data.inputIds,
    // Events written later under the same index (a manual compaction, error results closing calls
    // a later turn superseded) are not part of the answer the turn gave: it ends at its turn-end.
    events: fromStart.slice(0, fromStart.indexOf(end) + 1),
    stopReason: end.data.stopReason,
    snapshotId: end.data.snapshotId,
    usage: end.data.usage,
    durationMs: end.data.durationMs,
  };
}
