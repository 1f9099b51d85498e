import {
  ConfabError,
  errors,
  type Lease,
  type NewInput,
  type NewSession,
  type QueuedInput,
  type SessionPatch,
  type SessionRecord,
  type Snapshot,
  type SnapshotWithState,
} from 'confab';
import {
  type AppendNotifier,
  type AppendRequest,
  type AppendResult,
  applySessionPatch,
  buildSessionRecord,
  type ClaimInputsRequest,
  type CommitFolding,
  checkAfter,
  checkEventTypes,
  checkFoldedAppend,
  checkLeaseBatch,
  clampLimit,
  type EventPage,
  type FoldedAppendRequest,
  type FoldedAppendResult,
  type ForkRequest,
  isLeaseLive,
  type LeaseAcquisition,
  type ListSessionsQuery,
  PAGE_LIMITS,
  type ReadContextOptions,
  type ReadEventsQuery,
  type SessionContext,
  type SessionPage,
  type SessionStore,
  STORE_SPECIFICATION_VERSION,
  type SweepRequest,
  type SweepResult,
} from 'confab/store';
import { appendToSession, type FoldedWrites } from './append-transaction.js';
import {
  claimInputs,
  countPendingInputs,
  enqueueInput,
  findInputByKey,
  getInput,
  releaseInputs,
} from './input-queue.js';
import { JsonlStoreBase } from './jsonl-store-base.js';
import { sweepSessions } from './retention.js';
import { forkFromSession } from './session-fork.js';
import { acquireLease, getLease, releaseLease, renewLease } from './session-leases.js';
import {
  assertClientSessionIdFree,
  findActiveInChannel,
  findByClientSessionId,
  listSessionPage,
} from './session-queries.js';
import { findSnapshot, readSideLog } from './side-log.js';
import { readSnapshotPointer } from './snapshot-pointer.js';

const copy = <T>(value: T): T => structuredClone(value);

/**
 * A `SessionStore` on plain files: one append-only JSONL file of events per session plus a meta
 * file replaced atomically (layout in `store-layout.ts`). It behaves like `MemoryStore` for every
 * method of the port; forks are copy-on-write and read through their parents' files.
 *
 * Single process only: atomicity comes from in-process locks, so two processes must never open
 * one directory at once. Nothing is acknowledged before it is fsync'd. A crash between writing an
 * append's events and committing its meta leaves lines past the session's `lastSeq`: they were
 * never acknowledged, so reads ignore them and the session's next load cuts them off. They are not
 * rolled forward because the rest of that append (its session update, consumed inputs and
 * snapshot) lives in the meta that never committed. Memory holds every session's record (for
 * listing) and a bounded cache of recently used metas; event bodies are only read on demand.
 */
export class JsonlStore extends JsonlStoreBase implements SessionStore, AppendNotifier, CommitFolding {
  readonly specificationVersion = STORE_SPECIFICATION_VERSION;
  readonly kind = 'jsonl';

  private readonly listeners = new Set<(sessionId: string, lastSeq: number) => void>();

  onAppend(listener: (sessionId: string, lastSeq: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // --- sessions ---------------------------------------------------------------------------------

  async createSession(input: NewSession): Promise<{ session: SessionRecord; created: boolean }> {
    return this.runGlobal(async () => {
      const records = this.context.catalog.records;
      if (input.clientSessionId) {
        const existing = findByClientSessionId(records.values(), input.appId, input.clientSessionId);
        const session = existing ? await this.context.catalog.record(existing.id) : null;
        if (session) return { session, created: false };
      }
      if (input.channel && findActiveInChannel(records.values(), input.appId, input.channel)) {
        throw errors.conflict(`channel ${input.channel} already has an active session`);
      }
      const record = buildSessionRecord(copy(input), this.iso());
      await this.context.catalog.create(record);
      return { session: copy(record), created: true };
    });
  }

  async getSession(sessionId: string, scope: { appId?: string } = {}): Promise<SessionRecord | null> {
    return this.run(async () => {
      const summary = this.context.catalog.records.get(sessionId);
      if (!summary || (scope.appId !== undefined && summary.appId !== scope.appId)) return null;
      const record = await this.context.catalog.record(sessionId);
      return record ? copy(record) : null;
    });
  }

  async updateSession(
    sessionId: string,
    patch: SessionPatch,
    options: { expectedVersion?: number } = {},
  ): Promise<SessionRecord> {
    return this.withSession(sessionId, async (state) => {
      if (options.expectedVersion !== undefined && options.expectedVersion !== state.record.version) {
        throw errors.conflict(
          `session ${sessionId} is at version ${state.record.version}, not ${options.expectedVersion}`,
        );
      }
      const record = applySessionPatch(state.record, copy(patch), this.iso());
      await this.context.catalog.commit(sessionId, { ...state, record }, state.logEnd);
      return copy(record);
    });
  }

  async listSessions(query: ListSessionsQuery): Promise<SessionPage> {
    return this.run(async () => {
      const page = listSessionPage(this.context.catalog.records.values(), query);
      const sessions = await this.context.catalog.recordsOf(page.sessions.map((summary) => summary.id));
      return { sessions: sessions.map(copy), nextCursor: page.nextCursor };
    });
  }

  async countSessions(appId: string): Promise<number> {
    return this.run(async () => {
      let count = 0;
      for (const summary of this.context.catalog.records.values()) if (summary.appId === appId) count++;
      return count;
    });
  }

  async archiveSession(sessionId: string): Promise<SessionRecord> {
    return this.withSession(sessionId, async (state) => {
      if (state.record.status === 'closed') throw errors.sessionClosed(sessionId);
      if (state.record.status === 'archived') return copy(state.record);
      return copy(await this.changeStatus(state, 'archived', this.iso()));
    });
  }

  async closeSession(sessionId: string): Promise<{ session: SessionRecord; alreadyClosed: boolean }> {
    return this.withSession(sessionId, async (state) => {
      if (state.record.status === 'closed') return { session: copy(state.record), alreadyClosed: true };
      return { session: copy(await this.changeStatus(state, 'closed', this.iso())), alreadyClosed: false };
    });
  }

  async deleteSession(sessionId: string): Promise<boolean> {
    return this.runGlobal(async () => (await this.deleteLocked(sessionId, () => true)) !== null);
  }

  async resolveChannel(
    appId: string,
    channel: string,
    defaults: Omit<NewSession, 'appId' | 'channel'> = {},
  ): Promise<{ session: SessionRecord; created: boolean }> {
    return this.runGlobal(async () => {
      const records = this.context.catalog.records;
      const active = findActiveInChannel(records.values(), appId, channel);
      const session = active ? await this.context.catalog.record(active.id) : null;
      if (session) return { session: copy(session), created: false };
      assertClientSessionIdFree(records.values(), appId, defaults.clientSessionId);
      const record = buildSessionRecord({ ...copy(defaults), appId, channel }, this.iso());
      await this.context.catalog.create(record);
      return { session: copy(record), created: true };
    });
  }

  async rotateChannel(
    appId: string,
    channel: string,
    defaults: Omit<NewSession, 'appId' | 'channel'> = {},
  ): Promise<{ session: SessionRecord; archived: SessionRecord | null }> {
    return this.runGlobal(async () => {
      const records = this.context.catalog.records;
      const active = findActiveInChannel(records.values(), appId, channel);
      const now = this.iso();
      // Everything that can fail is checked before the archive, so a refused rotate changes nothing.
      assertClientSessionIdFree(records.values(), appId, defaults.clientSessionId);
      const record = buildSessionRecord({ ...copy(defaults), appId, channel }, now);
      if (records.has(record.id)) throw errors.conflict(`session ${record.id} exists`);
      const archived = active
        ? await this.sessionLocks.run(active.id, async () =>
            this.changeStatus(await this.context.catalog.state(active.id), 'archived', now),
          )
        : null;
      await this.context.catalog.create(record);
      return { session: copy(record), archived: archived ? copy(archived) : null };
    });
  }

  // --- events -----------------------------------------------------------------------------------

  async appendEvents(request: AppendRequest): Promise<AppendResult> {
    return this.append(request, {});
  }

  /** `appendEvents` with the inputs it consumes and the lease release in the same meta commit. */
  async appendFolded(request: FoldedAppendRequest): Promise<FoldedAppendResult> {
    checkFoldedAppend(request);
    const { newInputs, releaseLease, acquireLease, ...append } = request;
    return this.append(append, { newInputs, releaseLease, acquireLease });
  }

  private async append(request: AppendRequest, folded: FoldedWrites): Promise<FoldedAppendResult> {
    const result = await this.withSession(request.sessionId, (state) =>
      appendToSession(this.context, state, request, this.now(), folded),
    );
    for (const listener of this.listeners) {
      try {
        listener(result.session.id, result.session.lastSeq);
      } catch (error) {
        this.context.logger.warn(`jsonl store: an onAppend listener failed: ${String(error)}`);
      }
    }
    return { events: copy(result.events), session: copy(result.session), ...(result.lease && { lease: result.lease }) };
  }

  async readEvents(sessionId: string, query: ReadEventsQuery = {}): Promise<EventPage> {
    return this.runReading(async () => {
      const record = this.requireSummary(sessionId);
      const limit = clampLimit(query.limit, PAGE_LIMITS.events);
      const events = await this.readVisible(record, checkAfter(query.after), limit);
      const last = events[events.length - 1];
      return { events, nextAfter: last && last.seq < record.lastSeq ? last.seq : null };
    });
  }

  async readContext(sessionId: string, options: ReadContextOptions = {}): Promise<SessionContext> {
    const types = checkEventTypes(options.types);
    return this.runReading(async () => {
      const record = copy(await this.requireRecord(sessionId));
      let compaction: SessionContext['compaction'] = null;
      if (record.compactionSeq !== null) {
        const [event] = await this.readVisible(record, record.compactionSeq - 1, 1);
        if (event?.type === 'compaction') compaction = event;
      }
      const events =
        types?.length === 0
          ? []
          : await this.readVisible(record, compaction?.data.throughSeq ?? 0, Number.MAX_SAFE_INTEGER, types);
      return { session: record, compaction, events };
    });
  }

  /**
   * Rewrites a session's events file with only its live lines, dropping what crashes and damage
   * left behind (torn, corrupt or duplicate lines, lines at or below its fork point). The meta is
   * already durable and names no byte offsets, and the new file replaces the old by an atomic
   * rename, so a crash at any moment leaves one file or the other: lines may come back, none is
   * lost. `not_found` when the session is missing.
   */
  async compactFile(sessionId: string): Promise<{ keptLines: number; droppedLines: number }> {
    return this.run(() =>
      this.topologyLock.exclusive(() =>
        this.sessionLocks.run(sessionId, async () => {
          const { record } = await this.context.catalog.state(sessionId);
          const before = await this.context.events.countLines(sessionId);
          const own = { sessionId, afterSeq: record.inheritsFrom?.seq ?? 0, throughSeq: record.lastSeq };
          const { lines } = await this.context.events.rewrite(sessionId, [{ ...own, fileLastSeq: record.lastSeq }]);
          // The file's end moved: the session's next use re-reads it from disk.
          this.context.catalog.invalidate(sessionId);
          return { keptLines: lines, droppedLines: before - lines };
        }),
      ),
    );
  }

  // --- snapshots and forks ----------------------------------------------------------------------

  async getSnapshot(snapshotId: string, scope: { appId?: string } = {}): Promise<SnapshotWithState | null> {
    return this.run(async () => {
      const pointer = await readSnapshotPointer(this.context.layout, snapshotId);
      if (!pointer) return null;
      const owner = this.context.catalog.records.get(pointer.sessionId);
      if (!owner || (scope.appId !== undefined && owner.appId !== scope.appId)) return null;
      return this.sessionLocks.run(owner.id, async () => {
        if (!this.context.catalog.records.has(owner.id)) return null;
        const state = await this.context.catalog.state(owner.id);
        return findSnapshot(this.context.layout.sideFile(owner.id), state.sideBytes, this.context.logger, snapshotId);
      });
    });
  }

  async listSnapshots(sessionId: string): Promise<Snapshot[]> {
    return this.withSession(sessionId, async (state) => {
      const { snapshots } = await readSideLog(
        this.context.layout.sideFile(sessionId),
        state.sideBytes,
        this.context.logger,
      );
      return snapshots.sort((a, b) => a.seq - b.seq).map(({ state: _state, ...snapshot }) => snapshot);
    });
  }

  async forkSession(request: ForkRequest): Promise<SessionRecord> {
    return this.runGlobal(() =>
      this.topologyLock.shared(async () => {
        const found = this.context.catalog.records.get(request.sessionId);
        if (!found || found.appId !== request.appId) throw errors.notFound('session', request.sessionId);
        return this.sessionLocks.run(found.id, async () => {
          const source = await this.context.catalog.state(found.id);
          return copy(await forkFromSession(this.context, source, request, this.iso()));
        });
      }),
    );
  }

  // --- input queue ------------------------------------------------------------------------------

  async enqueueInput(sessionId: string, input: NewInput): Promise<{ input: QueuedInput; created: boolean }> {
    return this.withSession(sessionId, (state) => enqueueInput(this.context, state, input, this.iso()));
  }

  async getInput(sessionId: string, inputId: string): Promise<QueuedInput | null> {
    return this.withSession(sessionId, (state) => getInput(this.context, state, inputId));
  }

  async findInputByKey(sessionId: string, idempotencyKey: string): Promise<QueuedInput | null> {
    return this.withSession(sessionId, (state) => findInputByKey(this.context, state, idempotencyKey));
  }

  async claimInputs(sessionId: string, request: ClaimInputsRequest): Promise<QueuedInput[]> {
    return this.withSession(sessionId, (state) => claimInputs(this.context, state, request));
  }

  async releaseInputs(sessionId: string, claimToken?: string): Promise<number> {
    return this.withSession(sessionId, (state) => releaseInputs(this.context, state, claimToken));
  }

  async countPendingInputs(sessionId: string): Promise<number> {
    return this.withSession(sessionId, async (state) => countPendingInputs(state));
  }

  // --- leases -----------------------------------------------------------------------------------

  async acquireLease(sessionId: string, owner: string, ttlMs: number): Promise<Lease | null> {
    return (await this.acquireLeaseReporting(sessionId, owner, ttlMs))?.lease ?? null;
  }

  async acquireLeaseReporting(sessionId: string, owner: string, ttlMs: number): Promise<LeaseAcquisition | null> {
    return this.withSession(sessionId, (state) => acquireLease(this.context.catalog, state, owner, ttlMs, this.now()));
  }

  async renewLease(lease: Lease, ttlMs: number): Promise<Lease> {
    return this.withSession(lease.sessionId, (state) =>
      renewLease(this.context.catalog, state, lease, ttlMs, this.now()),
    );
  }

  /**
   * Each session keeps its lease in its own meta file, so a batch is one meta replacement per
   * session, run side by side: the layout has no file that one commit could share.
   */
  async renewLeases(held: readonly Lease[], ttlMs: number): Promise<(Lease | null)[]> {
    checkLeaseBatch(held, ttlMs);
    return Promise.all(
      held.map((lease) =>
        this.renewLease(lease, ttlMs).catch((error: unknown) => {
          if (ConfabError.isInstance(error, 'conflict') || ConfabError.isInstance(error, 'not_found')) return null;
          throw error;
        }),
      ),
    );
  }

  async releaseLease(lease: Lease): Promise<void> {
    return this.run(() =>
      this.sessionLocks.run(lease.sessionId, async () => {
        if (!this.context.catalog.records.has(lease.sessionId)) return;
        await releaseLease(this.context.catalog, await this.context.catalog.state(lease.sessionId), lease);
      }),
    );
  }

  async getLease(sessionId: string): Promise<Lease | null> {
    return this.withSession(sessionId, async (state) => getLease(state, this.now()));
  }

  // --- retention --------------------------------------------------------------------------------

  async sweep(request: SweepRequest): Promise<SweepResult> {
    return this.runGlobal(() =>
      sweepSessions(
        {
          records: this.context.catalog.records,
          closeIfIdle: (sessionId, stillIdle) =>
            this.sessionLocks.run(sessionId, async () => {
              if (!this.context.catalog.records.has(sessionId)) return null;
              const state = await this.context.catalog.state(sessionId);
              if (!stillIdle(state.record) || isLeaseLive(state.lease, this.now())) return null;
              return this.changeStatus(state, 'closed', this.iso());
            }),
          deleteIf: (sessionId, stillDue) => this.deleteLocked(sessionId, stillDue),
        },
        request,
      ),
    );
  }
}
