import { planFork, readSessionContext } from '@confab/sql-common';
import type {
  ApiToken,
  App,
  FileRecord,
  Lease,
  NewFile,
  NewInput,
  NewSession,
  QueuedInput,
  SessionPatch,
  SessionRecord,
  Snapshot,
  SnapshotWithState,
} from 'confab';
import {
  type AppendNotifier,
  type AppendRequest,
  type AppendResult,
  type ClaimInputsRequest,
  type CommitFolding,
  checkEventTypes,
  checkFoldedAppend,
  checkLeaseBatch,
  type EventPage,
  type FoldedAppendRequest,
  type FoldedAppendResult,
  type ForkRequest,
  type LeaseAcquisition,
  type ListSessionsQuery,
  type ReadContextOptions,
  type ReadEventsQuery,
  type SessionContext,
  type SessionPage,
  type SessionStore,
  STORE_SPECIFICATION_VERSION,
  type StopSignaller,
  type SweepRequest,
  type SweepResult,
} from 'confab/store';
import * as accounts from './accounts.js';
import { appendEvents } from './append.js';
import { type StoreClock, storeClock } from './clock.js';
import { CrossProcessSignals } from './cross-process-signals.js';
import { Database } from './database.js';
import { readEventPage, readRootSessionContext } from './event-queries.js';
import * as files from './file-storage.js';
import * as inputs from './inputs.js';
import * as leases from './leases.js';
import type { PostgresLifecycleTransport } from './lifecycle-transport.js';
import { readSchemaVersion, runMigrations } from './migrations.js';
import { type PostgresStoreOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { deleteSessionCascade, sweep } from './retention.js';
import { copyArgument } from './row-mapping.js';
import { listSessionPage, loadSession, requireSession } from './session-queries.js';
import { sessionReads } from './session-reads.js';
import * as sessionWrites from './session-writes.js';
import { commitFork, listSnapshotsOf, loadSnapshot } from './snapshots-and-forks.js';

/**
 * The store for many processes and machines: PostgreSQL through node-postgres. Behaves like
 * `MemoryStore` for every method of the port (same errors, idempotency, fork and retention rules),
 * durably and safely across processes:
 *
 * - An append is one transaction that locks the session row; its lease check (fencing token and
 *   expiry, on one clock shared by all processes) and its writes are atomic, and concurrent
 *   appenders queue on the lock, so seqs stay contiguous. Nothing is acknowledged before COMMIT.
 * - Leases carry fencing tokens that only grow, also across releases.
 * - Input claims use `FOR UPDATE SKIP LOCKED`: each input is claimed exactly once across processes.
 * - `onAppend` reports appends made by any process (NOTIFY on channel `confab_events`, sent on
 *   commit), over a dedicated LISTEN connection that reconnects by itself. Stop requests
 *   (`requestStop`/`onStopRequest`) and lifecycle events (`lifecycleTransport()`) travel the same way.
 * - Lost connections fail the calls under way with `unavailable`; the pool opens new connections
 *   when the database is back, without recreating the store.
 *
 * Call `migrate()` once before use (safe from several processes at once). After `close()` every
 * method fails with `unavailable`.
 */
export class PostgresStore implements SessionStore, AppendNotifier, StopSignaller, CommitFolding {
  readonly specificationVersion = STORE_SPECIFICATION_VERSION;
  readonly kind = 'postgres';

  private readonly options: ResolvedOptions;
  private readonly database: Database;
  private readonly clock: StoreClock;
  private readonly signals: CrossProcessSignals;

  /** Opens nothing yet: connections are made on first use. Throws `invalid_argument` for a bad option. */
  constructor(options: PostgresStoreOptions) {
    this.options = resolveOptions(options);
    this.database = new Database(this.options);
    this.clock = storeClock(this.options);
    this.signals = new CrossProcessSignals(this.database, this.options);
  }

  /**
   * Creates the schema or applies missing migrations, in one transaction under an advisory lock,
   * so several processes may call it at once. Returns the resulting version.
   */
  async migrate(): Promise<{ version: number }> {
    return { version: await runMigrations(this.database, this.options.now) };
  }

  async schemaVersion(): Promise<number> {
    return readSchemaVersion(this.database);
  }

  /** Lets calls under way finish, then ends the pool and the LISTEN connection. Idempotent. */
  async close(): Promise<void> {
    const database = this.database.close();
    await this.signals.close();
    await database;
  }

  /**
   * Calls `listener` after every append committed by any process using this database and schema
   * (this one's own appends right after their commit, others' when their notification arrives).
   * Returns the unsubscribe function.
   */
  onAppend(listener: (sessionId: string, lastSeq: number) => void): () => void {
    return this.signals.onAppend(listener);
  }

  /**
   * Resolves once appends of other processes reach `onAppend` listeners (the LISTEN connection is
   * up). Waits while the database is unreachable; fails with `unavailable` once closed.
   */
  async listening(): Promise<void> {
    await this.signals.listening();
  }

  /**
   * Asks whichever process runs the session's turn to stop it: a NOTIFY on channel `confab_stop`
   * that reaches every process's `onStopRequest` listeners, this one's included, at most once
   * each. Best effort: a process whose LISTEN connection is down at that moment misses it.
   */
  async requestStop(sessionId: string): Promise<void> {
    await this.signals.requestStop(sessionId);
  }

  /** Calls `listener` with the session id of every stop request (from any process); returns the unsubscribe function. */
  onStopRequest(listener: (sessionId: string) => void): () => void {
    return this.signals.onStopRequest(listener);
  }

  /**
   * A lifecycle transport on this store's connections and schema (the same one on every call);
   * closing the store closes it.
   */
  lifecycleTransport(): PostgresLifecycleTransport {
    return this.signals.lifecycleTransport();
  }

  // --- sessions ---------------------------------------------------------------------------------

  async createSession(input: NewSession): Promise<{ session: SessionRecord; created: boolean }> {
    return sessionWrites.createSession(this.database, copyArgument(input), this.clock.now());
  }

  async getSession(sessionId: string, scope: { appId?: string } = {}): Promise<SessionRecord | null> {
    const record = await loadSession(this.database.reads, sessionId);
    if (!record || (scope.appId !== undefined && record.appId !== scope.appId)) return null;
    return record;
  }

  async updateSession(
    sessionId: string,
    patch: SessionPatch,
    options: { expectedVersion?: number } = {},
  ): Promise<SessionRecord> {
    const copied = copyArgument(patch);
    return sessionWrites.updateSession(this.database, sessionId, copied, options.expectedVersion, this.clock.now());
  }

  async listSessions(query: ListSessionsQuery): Promise<SessionPage> {
    return listSessionPage(this.database.reads, { ...query });
  }

  async countSessions(appId: string): Promise<number> {
    const row = await this.database.reads.row<{ count: number }>(
      `SELECT count(*)::integer AS count FROM ${this.database.tables.sessions} WHERE app_id = $1`,
      [appId],
    );
    return row?.count ?? 0;
  }

  async archiveSession(sessionId: string): Promise<SessionRecord> {
    return sessionWrites.archiveSession(this.database, sessionId, this.clock.now());
  }

  async closeSession(sessionId: string): Promise<{ session: SessionRecord; alreadyClosed: boolean }> {
    return sessionWrites.closeSession(this.database, sessionId, this.clock.now());
  }

  async deleteSession(sessionId: string): Promise<boolean> {
    const deleted = await this.database.transaction(
      (transaction) => deleteSessionCascade(transaction, sessionId),
      'write',
    );
    return deleted !== undefined;
  }

  async resolveChannel(
    appId: string,
    channel: string,
    defaults: Omit<NewSession, 'appId' | 'channel'> = {},
  ): Promise<{ session: SessionRecord; created: boolean }> {
    const copied = copyArgument(defaults);
    return sessionWrites.resolveChannel(this.database, appId, channel, copied, this.clock.now());
  }

  async rotateChannel(
    appId: string,
    channel: string,
    defaults: Omit<NewSession, 'appId' | 'channel'> = {},
  ): Promise<{ session: SessionRecord; archived: SessionRecord | null }> {
    const copied = copyArgument(defaults);
    return sessionWrites.rotateChannel(this.database, appId, channel, copied, this.clock.now());
  }

  // --- events -----------------------------------------------------------------------------------

  /** One transaction (two round trips); resolves after COMMIT, when the events are durable. */
  async appendEvents(request: AppendRequest): Promise<AppendResult> {
    const copied = copyArgument(request);
    const result = await appendEvents(this.database, this.clock, copied, this.signals.appendOrigin);
    this.signals.appended(result.session.id, result.session.lastSeq);
    return result;
  }

  /** `appendEvents` that also inserts the batch's inputs already consumed, in the same statement. */
  async appendFolded(request: FoldedAppendRequest): Promise<FoldedAppendResult> {
    checkFoldedAppend(request);
    const { newInputs, releaseLease, acquireLease, ...append } = copyArgument(request);
    const result = await appendEvents(this.database, this.clock, append, this.signals.appendOrigin, {
      newInputs,
      releaseLease,
      acquireLease,
    });
    this.signals.appended(result.session.id, result.session.lastSeq);
    return result;
  }

  async readEvents(sessionId: string, query: ReadEventsQuery = {}): Promise<EventPage> {
    const copied = { ...query };
    return this.database.transaction((snapshot) => readEventPage(snapshot, sessionId, copied), 'snapshot');
  }

  async readContext(sessionId: string, options: ReadContextOptions = {}): Promise<SessionContext> {
    const types = checkEventTypes(options.types);
    // One statement for a session that is not a fork; a fork's chain takes a snapshot transaction.
    const context = await readRootSessionContext(this.database.reads, sessionId, types);
    if (context) return context;
    return this.database.transaction(
      (snapshot) => readSessionContext(sessionReads(snapshot), sessionId, types),
      'snapshot',
    );
  }

  // --- snapshots and forks ----------------------------------------------------------------------

  async getSnapshot(snapshotId: string, scope: { appId?: string } = {}): Promise<SnapshotWithState | null> {
    return loadSnapshot(this.database.reads, snapshotId, { ...scope });
  }

  async listSnapshots(sessionId: string): Promise<Snapshot[]> {
    return this.database.transaction(async (snapshot) => {
      await requireSession(snapshot, sessionId);
      return listSnapshotsOf(snapshot, sessionId);
    }, 'snapshot');
  }

  /** Plans the fork on one snapshot of the database, then records it if the source still exists. */
  async forkSession(request: ForkRequest): Promise<SessionRecord> {
    const copied = copyArgument(request);
    const plan = await this.database.transaction((snapshot) => planFork(sessionReads(snapshot), copied), 'snapshot');
    return commitFork(this.database, copied, plan, this.clock.now());
  }

  // --- input queue ------------------------------------------------------------------------------

  async enqueueInput(sessionId: string, input: NewInput): Promise<{ input: QueuedInput; created: boolean }> {
    return inputs.enqueueInput(this.database, sessionId, copyArgument(input), this.clock.now());
  }

  async getInput(sessionId: string, inputId: string): Promise<QueuedInput | null> {
    return inputs.getInput(this.database.reads, sessionId, inputId);
  }

  async findInputByKey(sessionId: string, idempotencyKey: string): Promise<QueuedInput | null> {
    await requireSession(this.database.reads, sessionId);
    return (await inputs.findByIdempotencyKey(this.database.reads, sessionId, idempotencyKey)) ?? null;
  }

  async claimInputs(sessionId: string, request: ClaimInputsRequest): Promise<QueuedInput[]> {
    return inputs.claimInputs(this.database, sessionId, copyArgument(request));
  }

  async releaseInputs(sessionId: string, claimToken?: string): Promise<number> {
    return inputs.releaseInputs(this.database, sessionId, claimToken);
  }

  async countPendingInputs(sessionId: string): Promise<number> {
    return inputs.countPendingInputs(this.database.reads, sessionId);
  }

  // --- leases -----------------------------------------------------------------------------------

  async acquireLease(sessionId: string, owner: string, ttlMs: number): Promise<Lease | null> {
    return (await this.acquireLeaseReporting(sessionId, owner, ttlMs))?.lease ?? null;
  }

  async acquireLeaseReporting(sessionId: string, owner: string, ttlMs: number): Promise<LeaseAcquisition | null> {
    return leases.acquireLease(this.database, this.clock, sessionId, owner, ttlMs);
  }

  async renewLease(lease: Lease, ttlMs: number): Promise<Lease> {
    return leases.renewLease(this.database, this.clock, copyArgument(lease), ttlMs);
  }

  async renewLeases(held: readonly Lease[], ttlMs: number): Promise<(Lease | null)[]> {
    const batch = checkLeaseBatch(copyArgument(held), ttlMs);
    const renewed = await leases.renewLeases(this.database, this.clock, batch, ttlMs);
    const bySession = new Map(batch.map((lease, index) => [lease.sessionId, renewed[index] ?? null]));
    return held.map((lease) => bySession.get(lease.sessionId) ?? null);
  }

  async releaseLease(lease: Lease): Promise<void> {
    return leases.releaseLease(this.database, copyArgument(lease));
  }

  async getLease(sessionId: string): Promise<Lease | null> {
    return leases.getLiveLease(this.database.reads, this.clock, sessionId);
  }

  // --- apps, tokens, files ----------------------------------------------------------------------

  async createApp(input: { id: string; name: string }): Promise<App> {
    return accounts.createApp(this.database, copyArgument(input), this.clock.now());
  }

  async getApp(appId: string): Promise<App | null> {
    return accounts.loadApp(this.database.reads, appId);
  }

  async listApps(): Promise<App[]> {
    return accounts.listApps(this.database.reads);
  }

  async createToken(input: { id: string; appId: string; tokenHash: string; label?: string | null }): Promise<ApiToken> {
    return accounts.createToken(this.database, copyArgument(input), this.clock.now());
  }

  async findToken(tokenHash: string): Promise<ApiToken | null> {
    return accounts.findToken(this.database.reads, tokenHash);
  }

  async listTokens(appId: string): Promise<ApiToken[]> {
    return accounts.listTokens(this.database.reads, appId);
  }

  async revokeToken(tokenId: string): Promise<boolean> {
    return accounts.revokeToken(this.database, tokenId, this.clock.now());
  }

  /** Streams the bytes into chunk rows, one statement each; the file shows once complete (file-storage.ts). */
  async putFile(input: NewFile): Promise<FileRecord> {
    const { data, ...record } = input;
    return files.putFile(this.database, { ...copyArgument(record), data }, this.clock.now());
  }

  async getFile(appId: string, token: string, now?: Date): Promise<{ file: FileRecord; data: Uint8Array } | null> {
    return files.getFile(this.database.reads, appId, token, now ?? this.clock.now());
  }

  async getFileRecord(appId: string, token: string, now?: Date): Promise<FileRecord | null> {
    return files.getFileRecord(this.database.reads, appId, token, now ?? this.clock.now());
  }

  async deleteExpiredFiles(now?: Date): Promise<number> {
    return files.deleteExpiredFiles(this.database, now ?? this.clock.now());
  }

  // --- retention --------------------------------------------------------------------------------

  async sweep(request: SweepRequest): Promise<SweepResult> {
    return sweep(this.database, this.clock, copyArgument(request), this.clock.now());
  }
}
