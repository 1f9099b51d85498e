import type { ApiToken, App, Lease, NewInput, QueuedInput, Snapshot, SnapshotWithState } from '../../model/records.js';
import type { NewSession, SessionPatch, SessionRecord } from '../../model/session.js';
import type { AppendRequest, AppendResult } from './append-request.js';
import type { ClaimInputsRequest } from './claim-inputs-request.js';
import type { ForkRequest } from './fork-request.js';
import type { ListSessionsQuery, SessionPage } from './list-sessions-query.js';
import type { EventPage, ReadEventsQuery } from './read-events-query.js';
import type { ReadContextOptions, SessionContext } from './session-context.js';
import type { SweepRequest, SweepResult } from './sweep-request.js';

// The port's request/result types and optional capabilities live in files named after them; they
// are re-exported here so that code importing them from the port keeps working.
export { type AppendNotifier, hasAppendNotifier } from './append-notifier.js';
export type { AppendRequest, AppendResult } from './append-request.js';

import type { CommitFolding } from './commit-folding.js';
import type { FileStorage } from './file-storage.js';
import type { LeaseRenewal } from './lease-renewal.js';
import type { SessionCounting } from './session-counting.js';

export type { ClaimInputsRequest } from './claim-inputs-request.js';
export type { FileStorage } from './file-storage.js';
export type { ForkRequest } from './fork-request.js';
export type { ListSessionsQuery, SessionPage } from './list-sessions-query.js';
export type { EventPage, ReadEventsQuery } from './read-events-query.js';
export type { ReadContextOptions, SessionContext } from './session-context.js';
export type { SessionCounting } from './session-counting.js';
export { hasStopSignaller, type StopSignaller } from './stop-signaller.js';
export type { SweepRequest, SweepResult } from './sweep-request.js';

/** The version of the store port an adapter implements. Bumped on any breaking change. */
export const STORE_SPECIFICATION_VERSION = 'v3' as const;

/**
 * The storage port. Every adapter implements all of it and passes `@confab/store-conformance`.
 *
 * General contract:
 * - Every method is atomic: it either happens wholly or not at all.
 * - Returned objects are copies; mutating them never changes the store.
 * - Timestamps are ISO-8601 UTC strings.
 * - Errors are `ConfabError`s: `not_found` for a missing session/snapshot, `conflict` for a lost
 *   race (version, lease, idempotency), `session_closed` for writes to a closed session,
 *   `invalid_argument` for malformed requests, `unavailable` when the backend cannot be reached.
 * - Tenant isolation: methods that take an `appId` treat another app's records as absent.
 */
export interface SessionStore extends CommitFolding, FileStorage, LeaseRenewal, SessionCounting {
  readonly specificationVersion: typeof STORE_SPECIFICATION_VERSION;
  /** A short name for health output, e.g. `sqlite`. */
  readonly kind: string;

  /** Creates or upgrades the schema. Idempotent; safe when several processes call it at once. */
  migrate(): Promise<{ version: number }>;
  /** The schema version recorded by the last migration (0 before any). */
  schemaVersion(): Promise<number>;
  /** Flushes pending writes and releases resources. Further calls fail with `unavailable`. */
  close(): Promise<void>;

  // --- sessions -----------------------------------------------------------------------------

  /**
   * Creates a session. With a `clientSessionId` already used in the same app it returns that
   * session and `created: false` (idempotent creation). With a `channel` that already has an
   * active session in the app it fails with `conflict` (use `resolveChannel`/`rotateChannel`).
   */
  createSession(input: NewSession): Promise<{ session: SessionRecord; created: boolean }>;
  /** The session, or null when missing (or, with `appId`, owned by another app). */
  getSession(sessionId: string, scope?: { appId?: string }): Promise<SessionRecord | null>;
  /**
   * Applies `patch`. With `expectedVersion`, fails with `conflict` unless the record's version
   * equals it. Bumps `version`, `updatedAt`, `lastActivityAt`. Fails with `not_found` when missing.
   */
  updateSession(sessionId: string, patch: SessionPatch, options?: { expectedVersion?: number }): Promise<SessionRecord>;
  /** Sessions of one app, newest activity first, with keyset cursor pagination. */
  listSessions(query: ListSessionsQuery): Promise<SessionPage>;
  /** Marks an active session archived (keeps history). Idempotent on archived; `session_closed` on closed. */
  archiveSession(sessionId: string): Promise<SessionRecord>;
  /** Soft close: status `closed`, `closedAt` set. Idempotent: a second call reports `alreadyClosed`. */
  closeSession(sessionId: string): Promise<{ session: SessionRecord; alreadyClosed: boolean }>;
  /**
   * Hard delete: erases the session, its events, inputs, snapshots, lease and files. Forks of it
   * stay readable (their inherited events are copied into them first). Returns false when missing.
   */
  deleteSession(sessionId: string): Promise<boolean>;

  /**
   * The active session of a channel, created with `defaults` when there is none. Atomic: any number
   * of concurrent calls for one new channel yield one session.
   */
  resolveChannel(
    appId: string,
    channel: string,
    defaults?: Omit<NewSession, 'appId' | 'channel'>,
  ): Promise<{ session: SessionRecord; created: boolean }>;
  /** Archives the channel's active session (if any) and creates a new active one, atomically. */
  rotateChannel(
    appId: string,
    channel: string,
    defaults?: Omit<NewSession, 'appId' | 'channel'>,
  ): Promise<{ session: SessionRecord; archived: SessionRecord | null }>;

  // --- events -------------------------------------------------------------------------------

  /**
   * Appends a batch atomically with contiguous seqs (no gap, no duplicate, also under concurrent
   * appenders). Nothing is acknowledged before it is durable. Fails with `not_found`,
   * `session_closed`, `conflict` (stale/foreign lease, `expectedLastSeq` mismatch, bad
   * `consumeInputIds`) or `invalid_argument` (empty batch).
   */
  appendEvents(request: AppendRequest): Promise<AppendResult>;
  /**
   * Events after `after`, oldest first, through fork parents: inherited events carry the fork's
   * `sessionId` and their original `seq`/`turn`. Fails with `not_found` when the session is missing.
   */
  readEvents(sessionId: string, query?: ReadEventsQuery): Promise<EventPage>;
  /**
   * The latest compaction plus the events after its `throughSeq` (only those of `options.types`
   * when given; see {@link ReadContextOptions}); cost independent of total length. Fails with
   * `not_found` when the session is missing, `invalid_argument` for a bad `types`.
   */
  readContext(sessionId: string, options?: ReadContextOptions): Promise<SessionContext>;

  // --- snapshots and forks -------------------------------------------------------------------

  /** One snapshot with its state, or null when missing or another app's (with `appId`). */
  getSnapshot(snapshotId: string, scope?: { appId?: string }): Promise<SnapshotWithState | null>;
  /** A session's snapshots, oldest first. */
  listSnapshots(sessionId: string): Promise<Snapshot[]>;
  /**
   * Creates a session that shares the source's history up to the snapshot (copy-on-write: nothing
   * is copied). Its state is the snapshot's, its `parent` names the source, seq and snapshot.
   * `not_found` for a missing or other app's session or snapshot, or a snapshot of another session.
   */
  forkSession(request: ForkRequest): Promise<SessionRecord>;

  // --- input queue --------------------------------------------------------------------------

  /**
   * Queues an input. With an `idempotencyKey` already used on this session, returns the first input
   * and `created: false`. Fails with `not_found` or `session_closed`.
   */
  enqueueInput(sessionId: string, input: NewInput): Promise<{ input: QueuedInput; created: boolean }>;
  /** One input by id, or null. */
  getInput(sessionId: string, inputId: string): Promise<QueuedInput | null>;
  /**
   * Atomically moves up to `max` pending inputs (oldest first) to `claimed` under `claimToken` and
   * returns them. Concurrent claimers receive disjoint sets.
   */
  claimInputs(sessionId: string, request: ClaimInputsRequest): Promise<QueuedInput[]>;
  /** Puts claimed, unconsumed inputs back to pending (all claims, or only `claimToken`'s). */
  releaseInputs(sessionId: string, claimToken?: string): Promise<number>;
  /** How many inputs are pending. */
  countPendingInputs(sessionId: string): Promise<number>;

  // --- leases -------------------------------------------------------------------------------

  /**
   * Takes the session's lease for `ttlMs` when it is free or expired, with a fencing token greater
   * than any issued before for the session. Null when another unexpired lease is held.
   */
  acquireLease(sessionId: string, owner: string, ttlMs: number): Promise<Lease | null>;
  /** Extends a held lease (same token). Fails with `conflict` when it was lost or has expired. */
  renewLease(lease: Lease, ttlMs: number): Promise<Lease>;
  // `renewLeases` (many at once, one commit) comes from `LeaseRenewal`.
  /** Gives the lease up when still held; a no-op otherwise. */
  releaseLease(lease: Lease): Promise<void>;
  /** The current unexpired lease, or null. */
  getLease(sessionId: string): Promise<Lease | null>;

  // --- apps, tokens -------------------------------------------------------------------------

  /** Creates an app; returns the existing one when `id` exists (idempotent). */
  createApp(input: { id: string; name: string }): Promise<App>;
  getApp(appId: string): Promise<App | null>;
  listApps(): Promise<App[]>;
  /** Stores a token by its hash (never the token itself). */
  createToken(input: { id: string; appId: string; tokenHash: string; label?: string | null }): Promise<ApiToken>;
  /** The unrevoked token with this hash, or null. */
  findToken(tokenHash: string): Promise<ApiToken | null>;
  listTokens(appId: string): Promise<ApiToken[]>;
  /** Revokes a token; false when missing or already revoked. */
  revokeToken(tokenId: string): Promise<boolean>;
  // The file methods (putFile, getFile, getFileRecord, deleteExpiredFiles) are in FileStorage.

  // --- retention ----------------------------------------------------------------------------

  /** Closes idle sessions and hard-deletes long-closed ones (see {@link SweepRequest}). */
  sweep(request: SweepRequest): Promise<SweepResult>;
}
