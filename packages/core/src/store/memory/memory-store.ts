import { errors } from '../../errors.js';
import type {
  ApiToken,
  App,
  FileRecord,
  Lease,
  NewFile,
  NewInput,
  QueuedInput,
  Snapshot,
  SnapshotWithState,
} from '../../model/records.js';
import type { NewSession, SessionPatch, SessionRecord } from '../../model/session.js';
import { checkEventTypes } from '../kit/event-type-filter.js';
import type { AppendNotifier } from '../port/append-notifier.js';
import type { AppendRequest, AppendResult } from '../port/append-request.js';
import type { ClaimInputsRequest } from '../port/claim-inputs-request.js';
import {
  type CommitFolding,
  checkFoldedAppend,
  type FoldedAppendRequest,
  type FoldedAppendResult,
  type LeaseAcquisition,
} from '../port/commit-folding.js';
import type { ForkRequest } from '../port/fork-request.js';
import { checkLeaseBatch } from '../port/lease-renewal.js';
import type { ListSessionsQuery, SessionPage } from '../port/list-sessions-query.js';
import type { EventPage, ReadEventsQuery } from '../port/read-events-query.js';
import type { ReadContextOptions, SessionContext } from '../port/session-context.js';
import { type SessionStore, STORE_SPECIFICATION_VERSION } from '../port/session-store.js';
import type { SweepRequest, SweepResult } from '../port/sweep-request.js';
import { appendToMemorySlot } from './append-to-memory-slot.js';
import { buildMemoryFork } from './build-memory-fork.js';
import { copy } from './copy.js';
import { MemoryAccounts } from './memory-accounts.js';
import { MemoryFiles } from './memory-files.js';
import { type MemorySessionSlot, MemorySessionTable } from './memory-session-table.js';
import { MemorySnapshots } from './memory-snapshots.js';
import { sweepMemorySessions } from './sweep-memory-sessions.js';

/**
 * The reference adapter: everything in process memory, nothing durable. Every method runs without
 * an intermediate `await`, which is what makes each one atomic. Use it for tests and examples.
 */
export class MemoryStore implements SessionStore, AppendNotifier, CommitFolding {
  readonly specificationVersion = STORE_SPECIFICATION_VERSION;
  readonly kind: string = 'memory';

  private readonly sessions = new MemorySessionTable();
  private readonly snapshots = new MemorySnapshots();
  private readonly accounts = new MemoryAccounts();
  private readonly files = new MemoryFiles();
  private readonly listeners = new Set<(sessionId: string, lastSeq: number) => void>();
  private version = 0;
  private closed = false;

  /** The clock; tests may replace it. */
  constructor(private readonly now: () => Date = () => new Date()) {}

  async migrate(): Promise<{ version: number }> {
    this.assertOpen();
    this.version = 1;
    return { version: this.version };
  }

  async schemaVersion(): Promise<number> {
    this.assertOpen();
    return this.version;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  onAppend(listener: (sessionId: string, lastSeq: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // --- sessions ---------------------------------------------------------------------------------

  async createSession(input: NewSession): Promise<{ session: SessionRecord; created: boolean }> {
    this.assertOpen();
    return copy(this.sessions.create(input, () => this.iso()));
  }

  async getSession(sessionId: string, scope: { appId?: string } = {}): Promise<SessionRecord | null> {
    this.assertOpen();
    const slot = this.sessions.get(sessionId);
    if (!slot || (scope.appId !== undefined && slot.record.appId !== scope.appId)) return null;
    return copy(slot.record);
  }

  async updateSession(
    sessionId: string,
    patch: SessionPatch,
    options: { expectedVersion?: number } = {},
  ): Promise<SessionRecord> {
    this.assertOpen();
    return copy(this.sessions.update(sessionId, patch, options.expectedVersion, () => this.iso()));
  }

  async listSessions(query: ListSessionsQuery): Promise<SessionPage> {
    this.assertOpen();
    const page = this.sessions.list(query);
    return { sessions: page.sessions.map(copy), nextCursor: page.nextCursor };
  }

  async countSessions(appId: string): Promise<number> {
    this.assertOpen();
    let count = 0;
    for (const slot of this.sessions.values()) if (slot.record.appId === appId) count++;
    return count;
  }

  async archiveSession(sessionId: string): Promise<SessionRecord> {
    this.assertOpen();
    return copy(this.sessions.archive(sessionId, () => this.iso()));
  }

  async closeSession(sessionId: string): Promise<{ session: SessionRecord; alreadyClosed: boolean }> {
    this.assertOpen();
    return copy(this.sessions.close(sessionId, () => this.iso()));
  }

  async deleteSession(sessionId: string): Promise<boolean> {
    this.assertOpen();
    if (!this.sessions.remove(sessionId)) return false;
    this.snapshots.deleteOf(sessionId);
    this.files.deleteOf(sessionId);
    return true;
  }

  async resolveChannel(
    appId: string,
    channel: string,
    defaults: Omit<NewSession, 'appId' | 'channel'> = {},
  ): Promise<{ session: SessionRecord; created: boolean }> {
    this.assertOpen();
    return copy(this.sessions.resolveChannel(appId, channel, defaults, () => this.iso()));
  }

  async rotateChannel(
    appId: string,
    channel: string,
    defaults: Omit<NewSession, 'appId' | 'channel'> = {},
  ): Promise<{ session: SessionRecord; archived: SessionRecord | null }> {
    this.assertOpen();
    const { session, archived } = this.sessions.rotateChannel(appId, channel, defaults, () => this.iso());
    return { session: copy(session), archived: archived && copy(archived) };
  }

  // --- events -----------------------------------------------------------------------------------

  async appendEvents(request: AppendRequest): Promise<AppendResult> {
    return this.append(request);
  }

  async appendFolded(request: FoldedAppendRequest): Promise<FoldedAppendResult> {
    checkFoldedAppend(request);
    const { newInputs, releaseLease, acquireLease, ...plain } = request;
    return this.append(plain, { newInputs, releaseLease, acquireLease });
  }

  async findInputByKey(sessionId: string, idempotencyKey: string): Promise<QueuedInput | null> {
    const input = this.slot(sessionId).inputs.findByKey(idempotencyKey);
    return input ? copy(input) : null;
  }

  private append(
    request: AppendRequest,
    folded: Pick<FoldedAppendRequest, 'newInputs' | 'releaseLease' | 'acquireLease'> = {},
  ): FoldedAppendResult {
    const slot = this.slot(request.sessionId);
    const result = appendToMemorySlot(slot, this.snapshots, request, folded, this.now());
    for (const listener of this.listeners) {
      try {
        listener(result.session.id, result.session.lastSeq);
      } catch {
        // The append is committed; a failing listener must not make it look failed.
      }
    }
    return {
      events: copy(result.events),
      session: copy(result.session),
      ...(result.lease && { lease: copy(result.lease) }),
    };
  }

  async readEvents(sessionId: string, query: ReadEventsQuery = {}): Promise<EventPage> {
    const slot = this.slot(sessionId);
    return copy(await this.sessions.readPage(slot.record, query));
  }

  async readContext(sessionId: string, options: ReadContextOptions = {}): Promise<SessionContext> {
    const types = checkEventTypes(options.types);
    const slot = this.slot(sessionId);
    return copy(await this.sessions.readContext(slot.record, types));
  }

  // --- snapshots and forks ------------------------------------------------------------------------

  async getSnapshot(snapshotId: string, scope: { appId?: string } = {}): Promise<SnapshotWithState | null> {
    this.assertOpen();
    const snapshot = this.snapshots.get(snapshotId);
    if (!snapshot) return null;
    if (scope.appId !== undefined && this.sessions.get(snapshot.sessionId)?.record.appId !== scope.appId) return null;
    return copy(snapshot);
  }

  async listSnapshots(sessionId: string): Promise<Snapshot[]> {
    this.slot(sessionId);
    return this.snapshots.listOf(sessionId).map(copy);
  }

  async forkSession(request: ForkRequest): Promise<SessionRecord> {
    this.assertOpen();
    const record = await buildMemoryFork(this.sessions, this.snapshots, request, () => this.now());
    return copy(this.sessions.insert(record));
  }

  // --- input queue --------------------------------------------------------------------------------

  async enqueueInput(sessionId: string, input: NewInput): Promise<{ input: QueuedInput; created: boolean }> {
    const slot = this.slot(sessionId);
    return copy(slot.inputs.enqueue(sessionId, input, slot.record.status === 'closed', () => this.iso()));
  }

  async getInput(sessionId: string, inputId: string): Promise<QueuedInput | null> {
    const input = this.slot(sessionId).inputs.find(inputId);
    return input ? copy(input) : null;
  }

  async claimInputs(sessionId: string, request: ClaimInputsRequest): Promise<QueuedInput[]> {
    return copy(this.slot(sessionId).inputs.claim(request));
  }

  async releaseInputs(sessionId: string, claimToken?: string): Promise<number> {
    return this.slot(sessionId).inputs.release(claimToken);
  }

  async countPendingInputs(sessionId: string): Promise<number> {
    return this.slot(sessionId).inputs.countPending();
  }

  // --- leases -----------------------------------------------------------------------------------

  async acquireLease(sessionId: string, owner: string, ttlMs: number): Promise<Lease | null> {
    return (await this.acquireLeaseReporting(sessionId, owner, ttlMs))?.lease ?? null;
  }

  async acquireLeaseReporting(sessionId: string, owner: string, ttlMs: number): Promise<LeaseAcquisition | null> {
    const acquisition = this.slot(sessionId).lease.acquire(sessionId, owner, ttlMs, this.now());
    return acquisition ? copy(acquisition) : null;
  }

  async renewLease(lease: Lease, ttlMs: number): Promise<Lease> {
    return copy(this.slot(lease.sessionId).lease.renew(lease, ttlMs, this.now()));
  }

  async renewLeases(leases: readonly Lease[], ttlMs: number): Promise<(Lease | null)[]> {
    this.assertOpen();
    checkLeaseBatch(leases, ttlMs);
    const now = this.now();
    return leases.map((lease) => {
      const holder = this.sessions.get(lease.sessionId)?.lease;
      if (!holder) return null;
      try {
        return copy(holder.renew(lease, ttlMs, now));
      } catch {
        return null; // lost or expired: `renew` refuses with `conflict`, the only way it fails
      }
    });
  }

  async releaseLease(lease: Lease): Promise<void> {
    this.assertOpen();
    this.sessions.get(lease.sessionId)?.lease.release(lease);
  }

  async getLease(sessionId: string): Promise<Lease | null> {
    const lease = this.slot(sessionId).lease.live(this.now());
    return lease ? copy(lease) : null;
  }

  // --- apps, tokens, files ------------------------------------------------------------------------

  async createApp(input: { id: string; name: string }): Promise<App> {
    this.assertOpen();
    return copy(this.accounts.createApp(input, () => this.iso()));
  }

  async getApp(appId: string): Promise<App | null> {
    this.assertOpen();
    return copy(this.accounts.getApp(appId));
  }

  async listApps(): Promise<App[]> {
    this.assertOpen();
    return this.accounts.listApps().map(copy);
  }

  async createToken(input: { id: string; appId: string; tokenHash: string; label?: string | null }): Promise<ApiToken> {
    this.assertOpen();
    return copy(this.accounts.createToken(input, () => this.iso()));
  }

  async findToken(tokenHash: string): Promise<ApiToken | null> {
    this.assertOpen();
    return copy(this.accounts.findToken(tokenHash));
  }

  async listTokens(appId: string): Promise<ApiToken[]> {
    this.assertOpen();
    return this.accounts.listTokens(appId).map(copy);
  }

  async revokeToken(tokenId: string): Promise<boolean> {
    this.assertOpen();
    return this.accounts.revokeToken(tokenId, () => this.iso());
  }

  async putFile(input: NewFile): Promise<FileRecord> {
    this.assertOpen();
    return copy(await this.files.put(input, () => this.iso()));
  }

  async getFileRecord(appId: string, token: string, now = this.now()): Promise<FileRecord | null> {
    this.assertOpen();
    const entry = this.files.record(appId, token, now);
    return entry ? copy(entry.file) : null;
  }

  async getFile(
    appId: string,
    token: string,
    now = this.now(),
  ): Promise<{ file: FileRecord; data: Uint8Array } | null> {
    this.assertOpen();
    const entry = this.files.get(appId, token, now);
    // The bytes are already a fresh copy; only the record needs one.
    return entry ? { file: copy(entry.file), data: entry.data } : null;
  }

  async deleteExpiredFiles(now = this.now()): Promise<number> {
    this.assertOpen();
    return this.files.deleteExpired(now);
  }

  // --- retention ----------------------------------------------------------------------------------

  async sweep(request: SweepRequest): Promise<SweepResult> {
    this.assertOpen();
    return sweepMemorySessions(
      this.sessions,
      request,
      () => this.now(),
      (id) => this.deleteSession(id),
    );
  }

  // --- internals ----------------------------------------------------------------------------------

  private iso(): string {
    return this.now().toISOString();
  }

  private assertOpen(): void {
    if (this.closed) throw errors.unavailable('the store is closed');
  }

  private slot(sessionId: string): MemorySessionSlot {
    this.assertOpen();
    return this.sessions.require(sessionId);
  }
}
