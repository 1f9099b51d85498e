import { errors } from '../../errors.js';
import { applyAppendToSession, buildAppendedEvents, buildAppendSnapshot, checkAppend } from '../kit/session-record.js';
import type { AppendRequest, AppendResult } from '../port/append-request.js';
import { type AppendedInput, buildAppendedInputs } from '../port/commit-folding.js';
import { copy } from './copy.js';
import type { MemorySessionSlot } from './memory-session-table.js';
import type { MemorySnapshots } from './memory-snapshots.js';

/**
 * The writes of one `MemoryStore` append (`appendEvents`, or `appendFolded` with `newInputs` and
 * `releaseLease`) on the session's slot, at `now`. Every check runs before the first write, so a
 * failed append leaves nothing behind. Returns the stored events and session themselves, uncopied.
 */
export function appendToMemorySlot(
  slot: MemorySessionSlot,
  snapshots: MemorySnapshots,
  request: AppendRequest,
  newInputs: AppendedInput[],
  releaseLease: boolean,
  now: Date,
): AppendResult {
  checkAppend(slot.record, request, slot.lease.current, now);
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
  return { events, session: after };
}
