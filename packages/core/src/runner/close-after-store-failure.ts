import { ConfabError } from '../errors.js';
import { type ActiveTurn, readRuntime } from './runtime-state.js';
import { type EngineDeps, finishTurn, type TurnExecution, type TurnResult } from './turn-engine.js';
import { readTurnResult } from './turn-result.js';
import { TurnWriter } from './turn-writer.js';

/** The turn a store failure hit: its session, its runtime entry and when its segment started. */
export interface FailedTurn {
  sessionId: string;
  active: ActiveTurn;
  /** `performance.now()` when the segment (a new turn, or a resume) started. */
  startedAt: number;
  /** The session's `lastSeq` before the segment's first write: what the log held without it. */
  baseSeq: number;
}

/**
 * A running turn whose store failed (`unavailable`: a full disk, a lost database) is answered by
 * what the log holds, never by a bare 503 for a turn that was written: when the failed append did
 * commit the turn's end (an answer lost on the way back), the turn as logged; when the turn is still
 * running, it is closed here, while this process holds its lease, by one append of an `error`
 * (`unavailable`, naming the store failure) and its `turn-end`. When nothing of the segment was
 * written (a resume whose answers did not commit) or even the closing append fails, the failure
 * propagates (503): the request can be retried, or the next holder of the session closes the turn
 * on recovery. Anything else than a store failure propagates as it is. Used by new turns
 * and resumed ones alike.
 */
export async function closeAfterStoreFailure(
  deps: EngineDeps,
  execution: TurnExecution,
  turn: FailedTurn,
  failure: unknown,
): Promise<TurnResult> {
  if (!ConfabError.isInstance(failure, 'unavailable')) throw failure;
  const { sessionId, active, startedAt } = turn;
  try {
    const current = await deps.store.getSession(sessionId);
    if (!current) throw failure;
    const open = readRuntime(current).turn;
    if (open?.index !== active.index || open.phase !== 'running') {
      // Nothing of this segment committed (a resume whose answers were not written): retry it.
      if (current.lastSeq <= turn.baseSeq) throw failure;
      // The segment's last append did commit, ending or interrupting the turn: answer as logged.
      const input = await deps.store.getInput(sessionId, active.inputIds[0] ?? '');
      if (!input) throw failure;
      return await readTurnResult(deps.store, sessionId, input);
    }
    const writer = new TurnWriter(deps.store, execution.keeper, current, active.index, execution.emit);
    const message = `the store failed during the turn: ${failure.message}`;
    return await finishTurn(deps, writer, open, { stopReason: 'error', usage: null, pending: [] }, startedAt, {
      releaseLease: true,
      closing: [{ type: 'error', data: { code: 'unavailable', message } }],
    });
  } catch {
    throw failure;
  }
}
