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
  type SweepRequest,
  type SweepResult,
} from 'confab/store';
import * as accounts from './accounts.js';
import { appendEvents } from './append.js';
import { readEventPage, readRootContext } from './event-queries.js';
import * as files from './file-storage.js';
import type { GroupCommitStats } from './group-commit-stats.js';
import * as inputs from './inputs.js';
import * as leases from './leases.js';
import { deleteSessionCascade, sweep } from './retention.js';
import { copyArgument } from './row-mapping.js';
import { listSessionPage, loadSession, requireSession } from './session-queries.js';
import { sessionReads } from './session-reads.js';
import * as sessionWrites from './session-writes.js';
import { commitFork, listSnapshotsOf, loadSnapshot } from './snapshots-and-forks.js';
import { StorageEngine } from './storage-engine.js';
import type { SynchronousMode } from './synchronous-mode.js';

/** Options of {@link SqliteStore}. */
export interface SqliteStoreOptions {
  /** The database file (created when missing). `:memory:` gives a private, non-durable database. */
  filename: string;
  /**
   * `PRAGMA synchronous`. Default `FULL`: every acknowledged write survives power loss. `NORMAL`
   * (WAL) survives a process crash but may lose the last commits on power loss; `OFF` neither.
   */
  synchronous?: SynchronousMode;
  /** How long a write waits for another process's write lock before failing with `unavailable`. Default 5000. */
  busyTimeoutMs?: number;
  /** The clock; tests may replace it. */
  now?: () => Date;
}

/** Counters of a {@link SqliteStore}'s write path. */
export type SqliteStoreStats = GroupCommitStats;

/**
 * The embedded store: one SQLite file in WAL mode through better-sqlite3, safe to share between
 * processes on one machine. Behaves like `MemoryStore` for every method of the port (same errors,
 * idempotency, fork and retention rules), with durability:
 *
 * - Every write goes through one group-commit queue: writes issued in the same tick, from any
 *   number of sessions, share one transaction and one fsync, and each is acknowledged only after
 *   that commit returned. A failing write is rolled back alone (savepoint).
 * - Writes take the file's write lock (`BEGIN IMMEDIATE`), so lease fencing, seq assignment,
 *   input claims and channel resolution stay atomic across processes.
 * - Reads see committed data only; multi-step reads run on a second connection inside one
 *   snapshot.
 *
 * Call `migrate()` once before use. After `close()` every method fails with `unavailable`.
 * `onAppend` reports appends made through this instance only, not those of other processes.
 */
export class SqliteStore implements SessionStore, AppendNotifier, CommitFolding {
  readonly specificationVersion = STORE_SPECIFICATION_VERSION;
  readonly kind = 'sqlite';

  private readonly engine: StorageEngine;
  private readonly listeners = new Set<(sessionId: string, lastSeq: number) => void>();

  /**
   * Opens (creating when missing) the file and its directory. Throws `invalid_argument` for a bad
   * option and `unavailable` when the file cannot be opened.
   */
  constructor(options: SqliteStoreOptions) {
    this.engine = new StorageEngine({
      filename: options.filename,
      synchronous: options.synchronous ?? 'FULL',
      busyTimeoutMs: options.busyTimeoutMs ?? 5000,
      now: options.now ?? (() => new Date()),
    });
  }

  /** A copy of the write path's counters (commits, writes, batch sizes). */
  get stats(): SqliteStoreStats {
    return this.engine.stats;
  }

  /**
   * Applies missing migrations, each in its own `BEGIN IMMEDIATE` transaction; safe to call again
   * and from several processes at once.
   */
  async migrate(): Promise<{ version: number }> {
    return { version: this.engine.migrate() };
  }

  async schemaVersion(): Promise<number> {
    return this.engine.schemaVersion();
  }

  /** Commits every write already issued, waits for running reads, then closes. Idempotent. */
  async close(): Promise<void> {
    await this.engine.close();
  }

  onAppend(listener: (sessionId: string, lastSeq: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // --- sessions ---------------------------------------------------------------------------------

  async createSession(input: NewSession): Promise<{ session: SessionRecord; created: boolean }> {
    const copied = copyArgument(input);
    return this.engine.write((statements, now) => sessionWrites.createSession(statements, copied, now));
  }

  async getSession(sessionId: string, scope: { appId?: string } = {}): Promise<SessionRecord | null> {
    const record = this.engine.read((statements) => loadSession(statements, sessionId));
    if (!record || (scope.appId !== undefined && record.appId !== scope.appId)) return null;
    return record;
  }

  async updateSession(
    sessionId: string,
    patch: SessionPatch,
    options: { expectedVersion?: number } = {},
  ): Promise<SessionRecord> {
    const copied = copyArgument(patch);
    return this.engine.write((statements, now) =>
      sessionWrites.updateSession(statements, sessionId, copied, options.expectedVersion, now),
    );
  }

  async listSessions(query: ListSessionsQuery): Promise<SessionPage> {
    return this.engine.read((statements) => listSessionPage(statements, query));
  }

  async countSessions(appId: string): Promise<number> {
    return this.engine.read(
      (statements) =>
        statements.row<{ count: number }>('SELECT count(*) AS count FROM sessions WHERE app_id = ?', appId)?.count ?? 0,
    );
  }

  async archiveSession(sessionId: string): Promise<SessionRecord> {
    return this.engine.write((statements, now) => sessionWrites.archiveSession(statements, sessionId, now));
  }

  async closeSession(sessionId: string): Promise<{ session: SessionRecord; alreadyClosed: boolean }> {
    return this.engine.write((statements, now) => sessionWrites.closeSession(statements, sessionId, now));
  }

  async deleteSession(sessionId: string): Promise<boolean> {
    return this.engine.write((statements) => deleteSessionCascade(statements, sessionId) !== undefined);
  }

  async resolveChannel(
    appId: string,
    channel: string,
    defaults: Omit<NewSession, 'appId' | 'channel'> = {},
  ): Promise<{ session: SessionRecord; created: boolean }> {
    const copied = copyArgument(defaults);
    return this.engine.write((statements, now) =>
      sessionWrites.resolveChannel(statements, appId, channel, copied, now),
    );
  }

  async rotateChannel(
    appId: string,
    channel: string,
    defaults: Omit<NewSession, 'appId' | 'channel'> = {},
  ): Promise<{ session: SessionRecord; archived: SessionRecord | null }> {
    const copied = copyArgument(defaults);
    return this.engine.write((statements, now) => sessionWrites.rotateChannel(statements, appId, channel, copied, now));
  }

  // --- events -----------------------------------------------------------------------------------

  /** Joins the next group commit; resolves once the commit holding these events is on disk. */
  async appendEvents(request: AppendRequest): Promise<AppendResult> {
    const copied = copyArgument(request);
    return this.engine.write(
      (statements, now) => appendEvents(statements, copied, now),
      (result) => this.notifyAppend(result.session),
    );
  }

  /** `appendEvents` that also queues the batch's inputs as consumed, in the same group commit. */
  async appendFolded(request: FoldedAppendRequest): Promise<FoldedAppendResult> {
    checkFoldedAppend(request);
    const { newInputs, releaseLease, acquireLease, ...append } = copyArgument(request);
    return this.engine.write(
      (statements, now) => appendEvents(statements, append, now, { newInputs, releaseLease, acquireLease }),
      (result) => this.notifyAppend(result.session),
    );
  }

  async readEvents(sessionId: string, query: ReadEventsQuery = {}): Promise<EventPage> {
    // The read may wait its turn for the snapshot connection: freeze the query now.
    const copied = { ...query };
    return this.engine.snapshotRead((statements) => readEventPage(statements, sessionId, copied));
  }

  async readContext(sessionId: string, options: ReadContextOptions = {}): Promise<SessionContext> {
    // Checked (and copied) now: the read may wait its turn for the snapshot connection.
    const types = checkEventTypes(options.types);
    // Most sessions are no fork: their context is read at once, without the snapshot connection.
    const root = this.engine.read((statements) => readRootContext(statements, sessionId, types));
    return (
      root ?? this.engine.snapshotRead((statements) => readSessionContext(sessionReads(statements), sessionId, types))
    );
  }

  // --- snapshots and forks ----------------------------------------------------------------------

  async getSnapshot(snapshotId: string, scope: { appId?: string } = {}): Promise<SnapshotWithState | null> {
    return this.engine.read((statements) => loadSnapshot(statements, snapshotId, scope));
  }

  async listSnapshots(sessionId: string): Promise<Snapshot[]> {
    return this.engine.read((statements) => {
      requireSession(statements, sessionId);
      return listSnapshotsOf(statements, sessionId);
    });
  }

  /** Plans the fork on one read snapshot, then records it as a write (re-checking the source). */
  async forkSession(request: ForkRequest): Promise<SessionRecord> {
    const copied = copyArgument(request);
    const plan = await this.engine.snapshotRead((statements) => planFork(sessionReads(statements), copied));
    return this.engine.write((statements, now) => commitFork(statements, copied, plan, now));
  }

  // --- input queue ------------------------------------------------------------------------------

  async enqueueInput(sessionId: string, input: NewInput): Promise<{ input: QueuedInput; created: boolean }> {
    const copied = copyArgument(input);
    return this.engine.write((statements, now) => inputs.enqueueInput(statements, sessionId, copied, now));
  }

  async getInput(sessionId: string, inputId: string): Promise<QueuedInput | null> {
    return this.engine.read((statements) => {
      requireSession(statements, sessionId);
      return inputs.loadInput(statements, sessionId, inputId) ?? null;
    });
  }

  async findInputByKey(sessionId: string, idempotencyKey: string): Promise<QueuedInput | null> {
    return this.engine.read((statements) => {
      requireSession(statements, sessionId);
      return inputs.loadInputByKey(statements, sessionId, idempotencyKey) ?? null;
    });
  }

  async claimInputs(sessionId: string, request: ClaimInputsRequest): Promise<QueuedInput[]> {
    const copied = copyArgument(request);
    return this.engine.write((statements) => inputs.claimInputs(statements, sessionId, copied));
  }

  async releaseInputs(sessionId: string, claimToken?: string): Promise<number> {
    return this.engine.write((statements) => inputs.releaseInputs(statements, sessionId, claimToken));
  }

  async countPendingInputs(sessionId: string): Promise<number> {
    return this.engine.read((statements) => inputs.countPendingInputs(statements, sessionId));
  }

  // --- leases -----------------------------------------------------------------------------------

  async acquireLease(sessionId: string, owner: string, ttlMs: number): Promise<Lease | null> {
    return (await this.acquireLeaseReporting(sessionId, owner, ttlMs))?.lease ?? null;
  }

  async acquireLeaseReporting(sessionId: string, owner: string, ttlMs: number): Promise<LeaseAcquisition | null> {
    return this.engine.write((statements, now) => leases.acquireLease(statements, sessionId, owner, ttlMs, now));
  }

  async renewLease(lease: Lease, ttlMs: number): Promise<Lease> {
    const copied = copyArgument(lease);
    return this.engine.write((statements, now) => leases.renewLease(statements, copied, ttlMs, now));
  }

  async renewLeases(held: readonly Lease[], ttlMs: number): Promise<(Lease | null)[]> {
    const batch = checkLeaseBatch(copyArgument(held), ttlMs);
    if (batch.length === 0) return [];
    const renewed = await this.engine.write((statements, now) => leases.renewLeases(statements, batch, ttlMs, now));
    const bySession = new Map(batch.map((lease, index) => [lease.sessionId, renewed[index] ?? null]));
    return held.map((lease) => bySession.get(lease.sessionId) ?? null);
  }

  async releaseLease(lease: Lease): Promise<void> {
    const copied = copyArgument(lease);
    return this.engine.write((statements) => leases.releaseLease(statements, copied));
  }

  async getLease(sessionId: string): Promise<Lease | null> {
    return this.engine.read((statements) => leases.getLiveLease(statements, sessionId, this.engine.now()));
  }

  // --- apps, tokens, files ----------------------------------------------------------------------

  async createApp(input: { id: string; name: string }): Promise<App> {
    const copied = copyArgument(input);
    return this.engine.write((statements, now) => accounts.createApp(statements, copied, now));
  }

  async getApp(appId: string): Promise<App | null> {
    return this.engine.read((statements) => accounts.loadApp(statements, appId));
  }

  async listApps(): Promise<App[]> {
    return this.engine.read((statements) => accounts.listApps(statements));
  }

  async createToken(input: { id: string; appId: string; tokenHash: string; label?: string | null }): Promise<ApiToken> {
    const copied = copyArgument(input);
    return this.engine.write((statements, now) => accounts.createToken(statements, copied, now));
  }

  async findToken(tokenHash: string): Promise<ApiToken | null> {
    return this.engine.read((statements) => accounts.findToken(statements, tokenHash));
  }

  async listTokens(appId: string): Promise<ApiToken[]> {
    return this.engine.read((statements) => accounts.listTokens(statements, appId));
  }

  async revokeToken(tokenId: string): Promise<boolean> {
    return this.engine.write((statements, now) => accounts.revokeToken(statements, tokenId, now));
  }

  /** Streams the bytes into chunk rows, one small commit each; the file shows once complete (file-storage.ts). */
  async putFile(input: NewFile): Promise<FileRecord> {
    const { data, ...record } = input;
    return files.putFile(this.engine, { ...copyArgument(record), data });
  }

  async getFile(appId: string, token: string, now?: Date): Promise<{ file: FileRecord; data: Uint8Array } | null> {
    const at = now ?? this.engine.now();
    return this.engine.read((statements) => files.getFile(statements, appId, token, at));
  }

  async getFileRecord(appId: string, token: string, now?: Date): Promise<FileRecord | null> {
    const at = now ?? this.engine.now();
    return this.engine.read((statements) => files.getFileRecord(statements, appId, token, at));
  }

  async deleteExpiredFiles(now?: Date): Promise<number> {
    const at = now ?? this.engine.now();
    return this.engine.write((statements) => files.deleteExpiredFiles(statements, at));
  }

  // --- retention --------------------------------------------------------------------------------

  async sweep(request: SweepRequest): Promise<SweepResult> {
    const copied = copyArgument(request);
    return this.engine.write((statements, now) => sweep(statements, copied, now));
  }

  // --- internals --------------------------------------------------------------------------------

  private notifyAppend(session: SessionRecord): void {
    for (const listener of this.listeners) listener(session.id, session.lastSeq);
  }
}
