import { errors, type NewInput, type QueuedInput } from 'confab';
import { buildQueuedInput, type ClaimInputsRequest } from 'confab/store';
import type { WarningLogger } from './event-log.js';
import type { SessionCatalog, SessionState } from './session-catalog.js';
import type { SessionMeta } from './session-meta.js';
import { findConsumedInput } from './side-log.js';
import type { StoreLayout } from './store-layout.js';

/*
 * The input queue of one session, for a caller that holds the session's lock. Pending and claimed
 * inputs live in the meta (each change is one atomic meta rewrite); consumed ones are in the side
 * log, where an append moved them in the same commit as their `input` events.
 */

/** What the queue operations need from the store. */
export interface QueueContext {
  layout: StoreLayout;
  catalog: SessionCatalog;
  logger: WarningLogger;
}

const copy = <T>(value: T): T => structuredClone(value);

function metaWithInputs(state: SessionState, inputs: QueuedInput[]): SessionMeta {
  return {
    record: state.record,
    lease: state.lease,
    leaseCounter: state.leaseCounter,
    inputs,
    sideBytes: state.sideBytes,
  };
}

function findConsumed(context: QueueContext, state: SessionState, predicate: (input: QueuedInput) => boolean) {
  return findConsumedInput(context.layout.sideFile(state.record.id), state.sideBytes, context.logger, predicate);
}

/** `enqueueInput` of the port: idempotent by key, `session_closed` on a closed session. */
export async function enqueueInput(
  context: QueueContext,
  state: SessionState,
  input: NewInput,
  now: string,
): Promise<{ input: QueuedInput; created: boolean }> {
  const sessionId = state.record.id;
  const key = input.idempotencyKey;
  if (key) {
    const existing =
      state.inputs.find((candidate) => candidate.idempotencyKey === key) ??
      (await findConsumed(context, state, (candidate) => candidate.idempotencyKey === key));
    if (existing) return { input: copy(existing), created: false };
  }
  if (state.record.status === 'closed') throw errors.sessionClosed(sessionId);
  const queued = buildQueuedInput(sessionId, input, now);
  const taken =
    state.inputs.some((candidate) => candidate.id === queued.id) ||
    // A generated id is fresh; only a caller's id can repeat a consumed one.
    (input.id !== undefined &&
      (await findConsumed(context, state, (candidate) => candidate.id === queued.id)) !== null);
  if (taken) throw errors.conflict(`input ${queued.id} exists`);
  await context.catalog.commit(sessionId, metaWithInputs(state, [...state.inputs, queued]), state.logEnd);
  return { input: copy(queued), created: true };
}

/** `findInputByKey` of `CommitFolding`: a queued or consumed input by idempotency key, or null. */
export async function findInputByKey(
  context: QueueContext,
  state: SessionState,
  key: string,
): Promise<QueuedInput | null> {
  const input =
    state.inputs.find((candidate) => candidate.idempotencyKey === key) ??
    (await findConsumed(context, state, (candidate) => candidate.idempotencyKey === key));
  return input ? copy(input) : null;
}

/**
 * Fails with `conflict` when one of `inputs` has an id or idempotency key already used on the
 * session, queued or consumed (consumed inputs are found in the side log, in one pass).
 */
export async function assertInputsFree(
  context: QueueContext,
  state: SessionState,
  inputs: QueuedInput[],
): Promise<void> {
  if (inputs.length === 0) return;
  const ids = new Set(inputs.map((input) => input.id));
  const keys = new Set(inputs.flatMap((input) => (input.idempotencyKey ? [input.idempotencyKey] : [])));
  const uses = (candidate: QueuedInput) =>
    ids.has(candidate.id) || (candidate.idempotencyKey !== null && keys.has(candidate.idempotencyKey));
  const taken = state.inputs.find(uses) ?? (await findConsumed(context, state, uses));
  if (taken) throw errors.conflict(`input ${taken.id} or its idempotency key is already used`);
}

/** `getInput` of the port: a queued or consumed input by id, or null. */
export async function getInput(
  context: QueueContext,
  state: SessionState,
  inputId: string,
): Promise<QueuedInput | null> {
  const input =
    state.inputs.find((candidate) => candidate.id === inputId) ??
    (await findConsumed(context, state, (candidate) => candidate.id === inputId));
  return input ? copy(input) : null;
}

/** `claimInputs` of the port: up to `max` pending inputs (of `ids`, when given), oldest first, moved to `claimed`. */
export async function claimInputs(
  context: QueueContext,
  state: SessionState,
  request: ClaimInputsRequest,
): Promise<QueuedInput[]> {
  const wanted = request.ids ? new Set(request.ids) : null;
  const chosen = state.inputs
    .filter((input) => input.status === 'pending' && (!wanted || wanted.has(input.id)))
    .slice(0, Math.max(0, request.max));
  if (chosen.length === 0) return [];
  const ids = new Set(chosen.map((input) => input.id));
  const inputs = state.inputs.map((input) =>
    ids.has(input.id) ? { ...input, status: 'claimed' as const, claimToken: request.claimToken } : input,
  );
  await context.catalog.commit(state.record.id, metaWithInputs(state, inputs), state.logEnd);
  return copy(inputs.filter((input) => ids.has(input.id)));
}

/** `releaseInputs` of the port: claimed inputs (of one claim, or all) back to pending. */
export async function releaseInputs(context: QueueContext, state: SessionState, claimToken?: string): Promise<number> {
  let released = 0;
  const inputs = state.inputs.map((input) => {
    if (input.status !== 'claimed' || (claimToken !== undefined && input.claimToken !== claimToken)) return input;
    released++;
    return { ...input, status: 'pending' as const, claimToken: null };
  });
  if (released > 0) await context.catalog.commit(state.record.id, metaWithInputs(state, inputs), state.logEnd);
  return released;
}

/** `countPendingInputs` of the port. */
export function countPendingInputs(state: SessionState): number {
  return state.inputs.filter((input) => input.status === 'pending').length;
}
