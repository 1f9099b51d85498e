import { errors, type QueuedInput, type SessionEvent, type SessionRecord } from 'confab';
import {
  type AppendRequest,
  applyAppendToSession,
  buildAppendedEvents,
  buildAppendedInputs,
  buildAppendSnapshot,
  checkAppend,
  type FoldedAppendRequest,
} from 'confab/store';
import { appendDurably, type Durability, readJsonFile } from './atomic-file.js';
import type { EventLog, WarningLogger } from './event-log.js';
import { assertInputsFree } from './input-queue.js';
import type { SessionCatalog, SessionState } from './session-catalog.js';
import { encodeSideEntries, findSnapshot, type SideEntry } from './side-log.js';
import { readSnapshotPointer, writeSnapshotPointer } from './snapshot-pointer.js';
import type { StoreLayout } from './store-layout.js';

/** The writes `appendFolded` adds to an append, committed by the same meta rename. */
export type FoldedWrites = Pick<FoldedAppendRequest, 'newInputs' | 'releaseLease'>;

/** What an append needs from the store. */
export interface AppendContext {
  layout: StoreLayout;
  catalog: SessionCatalog;
  events: EventLog;
  durability: Durability;
  logger: WarningLogger;
}

/**
 * Runs one `appendEvents` on a loaded session whose lock the caller holds. The port's rules come
 * from the core helpers; this maps them onto the files, in an order that makes the meta rename
 * the single commit point: snapshot pointer, side log and events (all fsync'd), then the meta.
 * A crash before the meta leaves lines past the committed ends, which the next load cuts off.
 */
export async function appendToSession(
  context: AppendContext,
  state: SessionState,
  request: AppendRequest,
  now: Date,
  folded: FoldedWrites = {},
): Promise<{ events: SessionEvent[]; session: SessionRecord }> {
  const { catalog, layout } = context;
  checkAppend(state.record, request, state.lease, now);
  const consumedIds = new Set(request.consumeInputIds ?? []);
  for (const inputId of consumedIds) {
    const input = state.inputs.find((candidate) => candidate.id === inputId);
    if (input?.status !== 'claimed') throw errors.conflict(`input ${inputId} is not claimed`);
  }
  const at = now.toISOString();
  const ownRequest = structuredClone(request);
  const events = buildAppendedEvents(state.record, ownRequest, at);
  const before = state.record;
  const after = applyAppendToSession(before, ownRequest, events, at);
  const snapshot = buildAppendSnapshot(before, after, ownRequest, events, at);
  // Inputs queued by this append (`appendFolded`) go straight to the side log as consumed.
  const appendedInputs = buildAppendedInputs(before.id, structuredClone(folded.newInputs ?? []), events, at);
  await assertInputsFree(context, state, appendedInputs);
  if (snapshot) {
    // Reserved before the first await, so two concurrent appends cannot both take one id.
    if (catalog.snapshotReservations.has(snapshot.id)) throw errors.conflict(`snapshot ${snapshot.id} exists`);
    catalog.snapshotReservations.add(snapshot.id);
  }
  try {
    if (snapshot) await assertSnapshotIdFree(context, snapshot.id, state);
    const consumed = state.inputs
      .filter((input) => consumedIds.has(input.id))
      .map((input) => consumedInput(input, events))
      .concat(appendedInputs);
    const sideEntries: SideEntry[] = [
      ...(snapshot ? [{ kind: 'snapshot' as const, snapshot }] : []),
      ...consumed.map((input) => ({ kind: 'input' as const, input })),
    ];
    const sideData = sideEntries.length > 0 ? encodeSideEntries(sideEntries) : null;
    try {
      // Independent files, so their writes and fsyncs overlap; the meta waits for all of them.
      const [appended] = await Promise.all([
        context.events.append(before.id, events, state.logEnd),
        sideData
          ? appendDurably(layout.sideFile(before.id), sideData, context.durability, state.sideBytes === 0)
          : undefined,
        snapshot
          ? writeSnapshotPointer(layout, { snapshotId: snapshot.id, sessionId: before.id }, context.durability)
          : undefined,
      ]);
      const next = {
        record: after,
        // checkAppend proved the request's lease is the session's current one.
        lease: folded.releaseLease ? null : state.lease,
        leaseCounter: state.leaseCounter,
        inputs: state.inputs.filter((input) => !consumedIds.has(input.id)),
        sideBytes: state.sideBytes + (sideData?.byteLength ?? 0),
      };
      await catalog.commit(before.id, next, appended.end);
      context.events.noteAppended(before.id, appended);
    } catch (error) {
      catalog.invalidate(before.id);
      throw error;
    }
  } finally {
    if (snapshot) catalog.snapshotReservations.delete(snapshot.id);
  }
  return { events, session: after };
}

/** The consumed form of a claimed input: it points at the `input` event that wrote it. */
function consumedInput(input: QueuedInput, events: SessionEvent[]): QueuedInput {
  const event = events.find((candidate) => candidate.type === 'input' && candidate.data.inputId === input.id);
  return { ...input, status: 'consumed', consumedSeq: event?.seq ?? null, consumedTurn: event?.turn ?? null };
}

/**
 * Fails with `conflict` when a committed snapshot already has this id. A pointer file alone proves
 * nothing (its append may have crashed before committing), so its owner's committed side log is
 * the judge.
 */
async function assertSnapshotIdFree(context: AppendContext, snapshotId: string, state: SessionState) {
  const pointer = await readSnapshotPointer(context.layout, snapshotId);
  if (!pointer) return;
  const owner = pointer.sessionId;
  const committedBytes = owner === state.record.id ? state.sideBytes : await committedSideBytes(context, owner);
  if (await findSnapshot(context.layout.sideFile(owner), committedBytes, context.logger, snapshotId)) {
    throw errors.conflict(`snapshot ${snapshotId} exists`);
  }
}

/** How much of another session's side log is committed (0 when the session is gone). */
async function committedSideBytes(context: AppendContext, sessionId: string): Promise<number> {
  if (!context.catalog.records.has(sessionId)) return 0;
  const meta = (await readJsonFile(context.layout.metaFile(sessionId))) as { sideBytes?: unknown } | undefined;
  return typeof meta?.sideBytes === 'number' ? meta.sideBytes : 0;
}
