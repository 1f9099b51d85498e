import type { Lease } from 'confab';
import { errors } from 'confab';
import {
  type AppendRequest,
  applyAppendToSession,
  buildAppendedEvents,
  buildAppendedInputs,
  buildAppendSnapshot,
  checkAppend,
  type FoldedAppendRequest,
  type FoldedAppendResult,
  grantFoldedLease,
} from 'confab/store';
import type { StatementCache } from './connection.js';
import { insertEvents } from './event-queries.js';
import { insertConsumedInputs, loadInput, markInputConsumed } from './inputs.js';
import { loadLease, loadLeaseRow, releaseLease, storeLease } from './leases.js';
import { leaseFromRow } from './row-mapping.js';
import { requireSession, saveSession } from './session-queries.js';
import { insertSnapshot, snapshotExists } from './snapshots-and-forks.js';

/**
 * `appendEvents` of the port, as one write task. The lease check, the seq assignment (from the
 * session row read in this same transaction) and every write happen under the write lock, so
 * seqs stay contiguous and a stale fencing token is refused even with writers in other processes.
 * The rules themselves are core's shared helpers; this only maps them onto tables. `folded`
 * (`appendFolded`): inputs queued as consumed and the lease released or acquired, in the same
 * transaction (the write task's savepoint undoes an acquisition whose append then fails).
 */
export function appendEvents(
  statements: StatementCache,
  plain: AppendRequest,
  now: Date,
  folded: Pick<FoldedAppendRequest, 'newInputs' | 'releaseLease' | 'acquireLease'> = {},
): FoldedAppendResult {
  const before = requireSession(statements, plain.sessionId);
  let request = plain;
  let acquired: Lease | null = null;
  if (folded.acquireLease) {
    const row = loadLeaseRow(statements, plain.sessionId);
    acquired = grantFoldedLease(before.id, folded.acquireLease, leaseFromRow(row), row?.last_token ?? 0, now);
    storeLease(statements, acquired);
    request = { ...plain, lease: acquired };
  }
  checkAppend(before, request, acquired ?? loadLease(statements, request.sessionId), now);
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
  return { events, session: after, ...(acquired && { lease: acquired }) };
}
