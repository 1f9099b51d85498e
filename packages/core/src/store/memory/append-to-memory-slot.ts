import { errors } from '../../errors.js';
import { applyAppendToSession, buildAppendedEvents, buildAppendSnapshot, checkAppend } from '../kit/session-record.js';
import type { AppendRequest } from '../port/append-request.js';
import {
  buildAppendedInputs,
  type FoldedAppendRequest,
  type FoldedAppendResult,
  grantFoldedLease,
} from '../port/commit-folding.js';
import { copy } from './copy.js';
import type { MemorySessionSlot } from './memory-session-table.js';
import type { MemorySnapshots } from './memory-snapshots.js';

/**
 * The writes of one `MemoryStore` append (`appendEvents`, or `appendFolded` with `newInputs`,
 * `releaseLease` and `acquireLease`) on the session's slot, at `now`. Every check runs before the
 * first write, so a failed append leaves nothing behind. Returns the stored events and session
 * themselves, uncopied, and the lease acquired.
 */
export function appendToMemorySlot(
  slot: MemorySessionSlot,
  snapshots: MemorySnapshots,
  plain: AppendRequest,
  folded: Pick<FoldedAppendRequest, 'newInputs' | 'releaseLease' | 'acquireLease'>,
  now: Date,
): FoldedAppendResult {
  const { newInputs = [], releaseLease = false, acquireLease } = folded;
  const acquired = acquireLease
    ? grantFoldedLease(slot.record.id, acquireLease, slot.lease.current, slot.lease.lastToken, now)
    : null;
  const request = acquired ? { ...plain, lease: acquired } : plain;
  checkAppend(slot.record, request, acquired ?? slot.lease.current, now);
  const consumed = slot.inputs.checkConsumable(request.consumeInputIds ?? []);
  const at = now.toISOString();
  const events = buildAppendedEvents(slot.record, copy(request), at);
  const before = slot.record;
  const after = applyAppendToSession(before, copy(request), events, at);
  const snapshot = buildAppendSnapshot(before, after, request, events, at);
  if (snapshot && snapshots.has(snapshot.id)) throw errors.conflict(`snapshot ${snapshot.id} exists`);
  const appended = buildAppendedInputs(slot.record.id, copy(newInputs), events, at);
  slot.inputs.checkAppendable(appended);
  slot.inputs.commitAppend(appended, consumed, events);
  slot.events.push(...events);
  slot.record = after;
  if (snapshot) snapshots.add(snapshot);
  // checkAppend proved the request's lease is the session's current one.
  if (releaseLease) slot.lease.drop();
  if (acquired) slot.lease.grant(acquired);
  return { events, session: after, ...(acquired && { lease: acquired }) };
}
