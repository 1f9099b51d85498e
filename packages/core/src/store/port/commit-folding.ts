import { errors } from '../../errors.js';
import type { SessionEvent } from '../../model/event.js';
import type { Lease, NewInput, QueuedInput } from '../../model/records.js';
import { assertStorableText } from '../kit/storable-text.js';
import type { AppendRequest, AppendResult } from './append-request.js';

/**
 * How the lease before a newly acquired one ended: `none` (the session never had one), `released`
 * (its holder gave it up with `releaseLease`) or `expired` (its holder never released it: it died,
 * stalled or lost the store, and may have left claimed inputs or a running turn behind).
 */
export type PreviousLease = 'none' | 'released' | 'expired';

/** A lease just acquired, and how the one before it ended. */
export interface LeaseAcquisition {
  lease: Lease;
  previous: PreviousLease;
}

/** An input queued and consumed by the append that writes its `input` event. */
export type AppendedInput = Required<Pick<NewInput, 'id'>> & NewInput;

/** Input to `appendFolded`: an append and the writes folded into its transaction. */
export interface FoldedAppendRequest extends AppendRequest {
  /**
   * Inputs recorded as `consumed` in the same transaction as the events: never pending or claimed
   * in between, so no other turn can take them. Each needs exactly one `input` event in the batch
   * with its id as `data.inputId` (else `invalid_argument`); an id or idempotency key already used
   * on the session fails the whole append with `conflict`.
   */
  newInputs?: AppendedInput[];
  /**
   * Release `lease` (required then, else `invalid_argument`) in the same transaction, as
   * `releaseLease` would after the append: for a writer whose last write this is.
   */
  releaseLease?: boolean;
}

/**
 * Folded commits, part of the store port since v2 (optional in v1): the writes of a runner turn in
 * fewer commits. The runner has one write path, and it goes through these.
 */
export interface CommitFolding {
  /**
   * `acquireLease` that also reports how the previous lease ended, read in the same atomic step,
   * so that a runner puts back claimed inputs only when their holder did not end cleanly.
   */
  acquireLeaseReporting(sessionId: string, owner: string, ttlMs: number): Promise<LeaseAcquisition | null>;
  /**
   * `appendEvents` with writes folded into its transaction (see {@link FoldedAppendRequest}): a
   * turn's start with its inputs in one commit, a turn's end with the lease release in one commit.
   * Fails like `appendEvents`, and as described there; on failure nothing is written or released.
   */
  appendFolded(request: FoldedAppendRequest): Promise<AppendResult>;
  /** The session's input queued with `idempotencyKey`, in any status, or null (a read: no write). */
  findInputByKey(sessionId: string, idempotencyKey: string): Promise<QueuedInput | null>;
}

/**
 * The queued-input records `appendFolded` writes, consumed by their `input` events in `events`
 * (as stored, with seqs). Fails with `invalid_argument` when an input has no event or two, or when
 * two inputs share an id or idempotency key. Stores check uniqueness against the queue themselves.
 */
export function buildAppendedInputs(
  sessionId: string,
  newInputs: AppendedInput[],
  events: SessionEvent[],
  at: string,
): QueuedInput[] {
  const ids = new Set<string>();
  const keys = new Set<string>();
  assertStorableText(newInputs, 'inputs');
  return newInputs.map((input) => {
    if (typeof input.id !== 'string' || !input.id) throw errors.invalidArgument('an appended input needs an id');
    if (ids.has(input.id)) throw errors.invalidArgument(`input ${input.id} appears twice`);
    ids.add(input.id);
    if (input.idempotencyKey) {
      if (keys.has(input.idempotencyKey)) throw errors.invalidArgument('two appended inputs share an idempotency key');
      keys.add(input.idempotencyKey);
    }
    const matching = events.filter((event) => event.type === 'input' && event.data.inputId === input.id);
    const event = matching[0];
    if (!event || matching.length > 1) {
      throw errors.invalidArgument(`input ${input.id} needs exactly one input event in the batch`);
    }
    return {
      id: input.id,
      sessionId,
      text: input.text,
      files: [...(input.files ?? [])],
      idempotencyKey: input.idempotencyKey ?? null,
      status: 'consumed',
      claimToken: null,
      consumedSeq: event.seq,
      consumedTurn: event.turn,
      createdAt: at,
    };
  });
}

/** Fails with `invalid_argument` when a folded append asks to release a lease it does not name. */
export function checkFoldedRelease(request: FoldedAppendRequest): void {
  if (request.releaseLease && !request.lease) throw errors.invalidArgument('releaseLease needs the lease to release');
}
