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

/** The lease a folded append acquires for itself (see {@link FoldedAppendRequest.acquireLease}). */
export interface FoldedLeaseAcquisition {
  /** Names the new holder, as `acquireLease`'s `owner`. */
  owner: string;
  /** The new lease's time to live, as `acquireLease`'s `ttlMs`. */
  ttlMs: number;
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
  /**
   * Acquire the session's lease for this append and fence the append with it, in the same
   * transaction: a turn's lease acquisition folded into its first append (one commit instead of
   * two). Taken only when the lease is free and its previous holder ended cleanly (released it, or
   * there was none): a live lease fails with `conflict` (details `reason: 'leased'`), and one that
   * expired unreleased with `conflict` (`reason: 'lease_expired'`), since its holder may have left
   * claimed inputs or an open turn behind, which `acquireLeaseReporting` and a recovery handle.
   * Excludes `lease` and `releaseLease` (`invalid_argument`). The new lease, with the next fencing
   * token, is the result's `lease`; on any failure nothing is written and no token is used.
   */
  acquireLease?: FoldedLeaseAcquisition;
}

/** What `appendFolded` returns: the append's result, and the lease it acquired (`acquireLease`). */
export interface FoldedAppendResult extends AppendResult {
  /** The lease acquired by `acquireLease`, held by the caller from now on; absent otherwise. */
  lease?: Lease;
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
   * With `acquireLease`, the lease acquisition too: a turn's start (lease, events, inputs) in one
   * commit. Fails like `appendEvents`, and as described there; on failure nothing is written,
   * acquired or released.
   */
  appendFolded(request: FoldedAppendRequest): Promise<FoldedAppendResult>;
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

/**
 * Fails with `invalid_argument` when a folded append's options do not fit together: a release
 * without the lease to release, or an acquisition beside a lease or a release, or a bad owner or
 * time to live.
 */
export function checkFoldedAppend(request: FoldedAppendRequest): void {
  checkFoldedRelease(request);
  const acquire = request.acquireLease;
  if (acquire === undefined) return;
  if (request.lease) throw errors.invalidArgument('acquireLease excludes lease: the append is fenced by the new lease');
  if (request.releaseLease) throw errors.invalidArgument('acquireLease excludes releaseLease');
  if (typeof acquire !== 'object' || acquire === null || typeof acquire.owner !== 'string' || !acquire.owner) {
    throw errors.invalidArgument('acquireLease needs an owner');
  }
  if (!Number.isFinite(acquire.ttlMs) || acquire.ttlMs <= 0) {
    throw errors.invalidArgument('acquireLease needs a ttlMs > 0');
  }
}

/**
 * The lease a folded append acquires (see {@link FoldedAppendRequest.acquireLease}), decided from
 * the session's stored lease: `holder` is the lease as stored, expired or not, and null when it was
 * released or never taken; `lastToken` is the last fencing token issued for the session (0: none).
 * Fails with `conflict` (`leased`) while `holder` is live and (`lease_expired`) when it expired
 * unreleased. The caller stores the returned lease in the append's transaction and fences the
 * append with it.
 */
export function grantFoldedLease(
  sessionId: string,
  acquire: FoldedLeaseAcquisition,
  holder: Lease | null,
  lastToken: number,
  now: Date,
): Lease {
  // Live as `isLeaseLive` judges it (not imported: the kit depends on the port, not the reverse).
  if (holder && Date.parse(holder.expiresAt) > now.getTime()) {
    throw errors.conflict(`session ${sessionId} is leased by another writer`, { details: { reason: 'leased' } });
  }
  if (holder) {
    throw errors.conflict(`the previous lease on session ${sessionId} expired unreleased`, {
      details: { reason: 'lease_expired' },
    });
  }
  return {
    sessionId,
    owner: acquire.owner,
    token: lastToken + 1,
    expiresAt: new Date(now.getTime() + Math.trunc(acquire.ttlMs)).toISOString(),
  };
}
