import { ConfabError, errors } from '../errors.js';
import type { NewInput, QueuedInput } from '../model/records.js';
import { buildQueuedInput } from '../store/kit/session-record.js';
import type { SessionStore } from '../store/port/session-store.js';
import type { TurnInputs } from './new-turn.js';
import type { TurnExecution } from './turn-engine.js';

/** The claim token of an execution's input claims: its lease's owner and fencing token. */
export function claimTokenOf(execution: TurnExecution): string {
  return `${execution.keeper.lease.owner}:${execution.keeper.lease.token}`;
}

/**
 * The input of `run`, under the session's lease. With `CommitFolding`, a fresh input that the
 * turn's first append queues and consumes at once (no queue write of its own); otherwise, or when
 * its idempotency key was seen before, queued and claimed first. A key whose input was consumed
 * already means a retry: the original turn is to be replayed, and nothing is written.
 */
export async function inputsOfRun(
  store: SessionStore,
  sessionId: string,
  execution: TurnExecution,
  input: NewInput,
): Promise<TurnInputs | { replay: QueuedInput }> {
  const key = input.idempotencyKey;
  const seen = key ? await store.findInputByKey(sessionId, key) : null;
  if (!seen) return { fresh: [freshInput(sessionId, input)] };
  assertSameInput(seen, input);
  const { input: queued, created } = await store.enqueueInput(sessionId, input);
  if (!created) assertSameInput(queued, input);
  if (!created && queued.status === 'consumed') return { replay: queued };
  // Set before the claim: a claim whose answer was lost may still have committed.
  execution.unconsumedClaims = true;
  const claimed = await store.claimInputs(sessionId, {
    max: 1,
    claimToken: claimTokenOf(execution),
    ids: [queued.id],
  });
  if (!claimed.length) throw errors.conflict(`input ${queued.id} was taken by another turn`);
  return { claimed };
}

/**
 * Refuses a retry whose idempotency key names another request (DESIGN §5): the key's input must
 * have the same text and files, else `idempotency_mismatch` and nothing is written. What the key
 * stored is what is compared, so no hash of the request needs storing.
 */
export function assertSameInput(seen: QueuedInput, input: NewInput): void {
  const files = input.files ?? [];
  const sameFiles = seen.files.length === files.length && seen.files.every((token, index) => token === files[index]);
  if (seen.text === input.text && sameFiles) return;
  throw new ConfabError(
    'idempotency_mismatch',
    `Idempotency-Key ${seen.idempotencyKey ?? ''} was used for another request on this session`,
  );
}

/** A `run` input as the turn's first append queues it (consumed once written). */
function freshInput(sessionId: string, input: NewInput): QueuedInput {
  return buildQueuedInput(sessionId, input, new Date().toISOString());
}
