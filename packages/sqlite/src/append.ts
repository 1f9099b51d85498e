import { errors } from 'confab';
import {
  type AppendRequest,
  type AppendResult,
  applyAppendToSession,
  buildAppendedEvents,
  buildAppendedInputs,
  buildAppendSnapshot,
  checkAppend,
  type FoldedAppendRequest,
} from 'confab/store';
import type { StatementCache } from './connection.js';
import { insertEvents } from './event-queries.js';
import { insertConsumedInputs, loadInput, markInputConsumed } from './inputs.js';
import { loadLease, releaseLease } from './leases.js';
import { requireSession, saveSession } from './session-queries.js';
import { insertSnapshot, snapshotExists } from './snapshots-and-forks.js';

/**
 * `appendEvents` of the port, as one write task. The lease check, the seq assignment (from the
 * session row read in this same transaction) and every write happen under the write lock, so
 * seqs stay contiguous and a stale fencing token is refused even with writers in other processes.
 * The rules themselves are core's shared helpers; this only maps them onto tables. `folded`
 * (`appendFolded`): inputs queued as consumed and the lease released, in the same transaction.
 */
export function appendEvents(
  statements: StatementCache,
  request: AppendRequest,
  now: Date,
  folded: Pick<FoldedAppendRequest, 'newInputs' | 'releaseLease'> = {},
): AppendResult {
  const before = requireSession(statements, request.sessionId);
  checkAppend(before, request, loadLease(statements, request.sessionId), now);
  const consumed = (request.consumeInputIds ?? []).map((inputId) => {
    const input = loadInput(statements, request.sessionId, inputId);
    if (input?.status !== 'claimed') throw errors.conflict(`input ${inputId} is not claimed`);
    return input;
  });
  const at = now.toISOString();
  const events = buildAppendedEvents(before, request, at);
  const after = applyAppendToSession(before, request, events, at);
  const snapshot = buildAppendSnapshot(before, after, request, events, at);
  if (snapshot && snapshotExists(statements, snapshot.id)) throw errors.conflict(`snapshot ${snapshot.id} exists`);
  insertConsumedInputs(statements, buildAppendedInputs(before.id, folded.newInputs ?? [], events, at));
  for (const input of consumed) {
    const event = events.find((candidate) => candidate.type === 'input' && candidate.data.inputId === input.id);
    markInputConsumed(statements, input, event ?? null);
  }
  insertEvents(statements, events);
  saveSession(statements, after);
  if (snapshot) insertSnapshot(statements, snapshot);
  // checkAppend proved the request's lease is the session's current one.
  if (folded.releaseLease && request.lease) releaseLease(statements, request.lease);
  return { events, session: after };
}
