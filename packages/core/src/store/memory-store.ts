import { errors } from '../errors.js';
import type { EventType, SessionEvent } from '../model/event.js';
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
} from '../model/records.js';
import type { NewSession, SessionPatch, SessionRecord } from '../model/session.js';
import {
  type AppendedInput,
  buildAppendedInputs,
  type CommitFolding,
  checkFoldedRelease,
  type FoldedAppendRequest,
  type LeaseAcquisition,
} from './commit-folding.js';
import { checkEventTypes } from './event-type-filter.js';
import { findLatestInChain, readChain, resolveChain } from './fork-chain.js';
import { checkAfter, checkStatusFilter, clampLimit, PAGE_LIMITS } from './limits.js';
import { ownEventRange } from './own-event-range.js';
import { decodeSessionCursor, encodeSessionCursor, sessionOrderBefore } from './session-cursor.js';
import {
  applyAppendToSession,
  applySessionPatch,
  buildAppendedEvents,
  buildAppendSnapshot,
  buildForkRecord,
  buildQueuedInput,
  buildSessionRecord,
  checkAppend,
  chooseForkSnapshot,
  isLeaseLive,
} from './session-record.js';
import {
  type AppendNotifier,
  type AppendRequest,
  type AppendResult,
  type ClaimInputsRequest,
  type EventPage,
  type ForkRequest,
  type ListSessionsQuery,
  type ReadContextOptions,
  type ReadEventsQuery,
  type SessionContext,
  type SessionPage,
  type SessionStore,
  STORE_SPECIFICATION_VERSION,
  type SweepRequest,
  type SweepResult,
} from './session-store.js';

interface SessionSlot {
  record: SessionRecord;
  events: SessionEvent[];
  inputs: QueuedInput[];
  lease: Lease | null;
  leaseCounter: number;
  /** False from acquisition until `releaseLease`: an unreleased lease that expired was abandoned. */
  leaseReleased: boolean;
}

const copy = <T>(value: T): T => structuredClone(value);

/**
 * The reference adapter: everything in process memory, nothing durable. Every method runs without
 * an intermediate `await`, which is what makes each one atomic. Use it for tests and examples.
 */
export class MemoryStore implements SessionStore, AppendNotifier, CommitFolding {
  readonly specificationVersion = STORE_SPECIFICATION_VERSION;
  readonly kind: string = 'memory';

  private readonly sessions = new Map<string, SessionSlot>();
  private readonly snapshots = new Map<string, SnapshotWithState>();
  private readonly apps = new Map<string, App>();
  private readonly tokens = new Map<string, ApiToken>();
  private readonly files = new Map<string, { file: FileRecord; data: Uint8Array }>();
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
    if (input.clientSessionId) {
      const existing = this.findByClientSessionId(input.appId, input.clientSessionId);
      if (existing) return { session: copy(existing.record), created: false };
    }
    if (input.channel && this.activeInChannel(input.appId, input.channel)) {
      throw errors.conflict(`channel ${input.channel} already has an active session`);
    }
    const record = this.insert(buildSessionRecord(copy(input), this.iso()));
    return { session: copy(record), created: true };
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
    const slot = this.slot(sessionId);
    if (options.expectedVersion !== undefined && options.expectedVersion !== slot.record.version) {
      throw errors.conflict(
        `session ${sessionId} is at version ${slot.record.version}, not ${options.expectedVersion}`,
      );
    }
    slot.record = applySessionPatch(slot.record, copy(patch), this.iso());
    return copy(slot.record);
  }

  async listSessions(query: ListSessionsQuery): Promise<SessionPage> {
    this.assertOpen();
    const limit = clampLimit(query.limit, PAGE_LIMITS.sessions);
    const after = query.cursor ? decodeSessionCursor(query.cursor) : null;
    const status = checkStatusFilter(query.status);
    const matching = [...this.sessions.values()]
      .map((slot) => slot.record)
      .filter(
        (record) =>
          record.appId === query.appId &&
          (status === 'all' || record.status === status) &&
          (query.channel == null || record.channel === query.channel) &&
          (!after || sessionOrderBefore(after, record)),
      )
      .sort((a, b) => (sessionOrderBefore(a, b) ? -1 : 1));
    const page = matching.slice(0, limit);
    const last = page[page.length - 1];
    return {
      sessions: page.map(copy),
      nextCursor: matching.length > limit && last ? encodeSessionCursor(last) : null,
    };
  }

  async archiveSession(sessionId: string): Promise<SessionRecord> {
    const slot = this.slot(sessionId);
    if (slot.record.status === 'closed') throw errors.sessionClosed(sessionId);
    if (slot.record.status === 'active') {
      const now = this.iso();
      slot.record = { ...applySessionPatch(slot.record, {}, now), status: 'archived', archivedAt: now };
    }
    return copy(slot.record);
  }

  async closeSession(sessionId: string): Promise<{ session: SessionRecord; alreadyClosed: boolean }> {
    const slot = this.slot(sessionId);
    if (slot.record.status === 'closed') return { session: copy(slot.record), alreadyClosed: true };
    const now = this.iso();
    slot.record = { ...applySessionPatch(slot.record, {}, now), status: 'closed', closedAt: now };
    return { session: copy(slot.record), alreadyClosed: false };
  }

  async deleteSession(sessionId: string): Promise<boolean> {
    this.assertOpen();
    const slot = this.sessions.get(sessionId);
    if (!slot) return false;
    // Copy-on-write's write: children that read through this session get its events first.
    for (const child of this.sessions.values()) {
      const link = child.record.inheritsFrom;
      if (link?.sessionId !== sessionId) continue;
      const own = slot.events.filter((event) => event.seq <= link.seq);
      const base = slot.record.inheritsFrom;
      child.events = [...own.map((event) => ({ ...event, sessionId: child.record.id })), ...child.events];
      child.record = {
        ...child.record,
        inheritsFrom: base ? { sessionId: base.sessionId, seq: Math.min(base.seq, link.seq) } : null,
      };
    }
    this.sessions.delete(sessionId);
    for (const [id, snapshot] of this.snapshots) if (snapshot.sessionId === sessionId) this.snapshots.delete(id);
    for (const [token, entry] of this.files) if (entry.file.sessionId === sessionId) this.files.delete(token);
    return true;
  }

  async resolveChannel(
    appId: string,
    channel: string,
    defaults: Omit<NewSession, 'appId' | 'channel'> = {},
  ): Promise<{ session: SessionRecord; created: boolean }> {
    this.assertOpen();
    const active = this.activeInChannel(appId, channel);
    if (active) return { session: copy(active.record), created: false };
    this.assertClientSessionIdFree(appId, defaults.clientSessionId);
    const record = this.insert(buildSessionRecord(copy({ ...defaults, appId, channel }), this.iso()));
    return { session: copy(record), created: true };
  }

  async rotateChannel(
    appId: string,
    channel: string,
    defaults: Omit<NewSession, 'appId' | 'channel'> = {},
  ): Promise<{ session: SessionRecord; archived: SessionRecord | null }> {
    this.assertOpen();
    const active = this.activeInChannel(appId, channel);
    const now = this.iso();
    // Everything that can fail is checked before anything changes, so rotate stays all-or-nothing.
    this.assertClientSessionIdFree(appId, defaults.clientSessionId);
    const fresh = buildSessionRecord(copy({ ...defaults, appId, channel }), now);
    if (this.sessions.has(fresh.id)) throw errors.conflict(`session ${fresh.id} exists`);
    if (active) active.record = { ...applySessionPatch(active.record, {}, now), status: 'archived', archivedAt: now };
    const record = this.insert(fresh);
    return { session: copy(record), archived: active ? copy(active.record) : null };
  }

  // --- events -----------------------------------------------------------------------------------

  async appendEvents(request: AppendRequest): Promise<AppendResult> {
    return this.append(request);
  }

  async appendFolded(request: FoldedAppendRequest): Promise<AppendResult> {
    checkFoldedRelease(request);
    return this.append(request, request.newInputs ?? [], request.releaseLease === true);
  }

  async findInputByKey(sessionId: string, idempotencyKey: string): Promise<QueuedInput | null> {
    const input = this.slot(sessionId).inputs.find((candidate) => candidate.idempotencyKey === idempotencyKey);
    return input ? copy(input) : null;
  }

  private append(request: AppendRequest, newInputs: AppendedInput[] = [], releaseLease = false): AppendResult {
    const slot = this.slot(request.sessionId);
    const now = this.now();
    checkAppend(slot.record, request, slot.lease, now);
    const consumed = (request.consumeInputIds ?? []).map((inputId) => {
      const input = slot.inputs.find((candidate) => candidate.id === inputId);
      if (input?.status !== 'claimed') throw errors.conflict(`input ${inputId} is not claimed`);
      return input;
    });
    const at = now.toISOString();
    const events = buildAppendedEvents(slot.record, copy(request), at);
    const before = slot.record;
    const after = applyAppendToSession(before, copy(request), events, at);
    const snapshot = buildAppendSnapshot(before, after, request, events, at);
    if (snapshot && this.snapshots.has(snapshot.id)) throw errors.conflict(`snapshot ${snapshot.id} exists`);
    const appended = buildAppendedInputs(slot.record.id, copy(newInputs), events, at);
    for (const input of appended) {
      const taken = slot.inputs.some(
        (candidate) =>
          candidate.id === input.id ||
          (input.idempotencyKey !== null && candidate.idempotencyKey === input.idempotencyKey),
      );
      if (taken) throw errors.conflict(`input ${input.id} or its idempotency key is already queued`);
    }
    slot.inputs.push(...appended);
    for (const input of consumed) {
      const event = events.find((candidate) => candidate.type === 'input' && candidate.data.inputId === input.id);
      input.status = 'consumed';
      input.consumedSeq = event?.seq ?? null;
      input.consumedTurn = event?.turn ?? null;
    }
    slot.events.push(...events);
    slot.record = after;
    if (snapshot) this.snapshots.set(snapshot.id, snapshot);
    if (releaseLease) {
      // checkAppend proved the request's lease is the session's current one.
      slot.lease = null;
      slot.leaseReleased = true;
    }
    for (const listener of this.listeners) {
      try {
        listener(after.id, after.lastSeq);
      } catch {
        // The append is committed; a failing listener must not make it look failed.
      }
    }
    return { events: copy(events), session: copy(after) };
  }

  async readEvents(sessionId: string, query: ReadEventsQuery = {}): Promise<EventPage> {
    const slot = this.slot(sessionId);
    const limit = clampLimit(query.limit, PAGE_LIMITS.events);
    const after = checkAfter(query.after);
    const events = await this.readVisible(slot.record, after, limit);
    const last = events[events.length - 1];
    return {
      events: copy(events),
      nextAfter: last && last.seq < slot.record.lastSeq ? last.seq : null,
    };
  }

  async readContext(sessionId: string, options: ReadContextOptions = {}): Promise<SessionContext> {
    const types = checkEventTypes(options.types);
    const slot = this.slot(sessionId);
    const record = slot.record;
    let compaction: SessionContext['compaction'] = null;
    if (record.compactionSeq !== null) {
      const [event] = await this.readVisible(record, record.compactionSeq - 1, 1);
      if (event?.type === 'compaction') compaction = event;
    }
    const events =
      types?.length === 0
        ? []
        : await this.readVisible(record, compaction?.data.throughSeq ?? 0, Number.MAX_SAFE_INTEGER, types);
    return copy({ session: record, compaction, events });
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
    return [...this.snapshots.values()]
      .filter((snapshot) => snapshot.sessionId === sessionId)
      .sort((a, b) => a.seq - b.seq)
      .map(({ state: _state, ...snapshot }) => copy(snapshot));
  }

  async forkSession(request: ForkRequest): Promise<SessionRecord> {
    this.assertOpen();
    const source = this.sessions.get(request.sessionId);
    if (!source || source.record.appId !== request.appId) throw errors.notFound('session', request.sessionId);
    const snapshot = await chooseForkSnapshot(
      source.record,
      request.snapshotId,
      (id) => this.snapshots.get(id) ?? null,
    );
    const seq = snapshot ? snapshot.seq : source.record.lastSeq;
    const segments = await resolveChain(source.record, (id) => this.sessions.get(id)?.record.inheritsFrom);
    const compaction = await findLatestInChain(segments, seq, (id, afterSeq, throughSeq) =>
      this.findOwnLatest(id, 'compaction', afterSeq, throughSeq),
    );
    if (request.clientSessionId && this.findByClientSessionId(request.appId, request.clientSessionId)) {
      throw errors.conflict(`clientSessionId ${request.clientSessionId} is already used`);
    }
    const record = buildForkRecord(
      source.record,
      {
        seq,
        turn: snapshot ? snapshot.turn : source.record.turnCount,
        snapshot,
        compactionSeq: compaction?.seq ?? null,
      },
      request,
      this.iso(),
    );
    return copy(this.insert(record));
  }

  // --- input queue --------------------------------------------------------------------------------

  async enqueueInput(sessionId: string, input: NewInput): Promise<{ input: QueuedInput; created: boolean }> {
    const slot = this.slot(sessionId);
    if (input.idempotencyKey) {
      const existing = slot.inputs.find((candidate) => candidate.idempotencyKey === input.idempotencyKey);
      if (existing) return { input: copy(existing), created: false };
    }
    if (slot.record.status === 'closed') throw errors.sessionClosed(sessionId);
    const queued = buildQueuedInput(sessionId, input, this.iso());
    if (slot.inputs.some((candidate) => candidate.id === queued.id)) throw errors.conflict(`input ${queued.id} exists`);
    slot.inputs.push(queued);
    return { input: copy(queued), created: true };
  }

  async getInput(sessionId: string, inputId: string): Promise<QueuedInput | null> {
    const input = this.slot(sessionId).inputs.find((candidate) => candidate.id === inputId);
    return input ? copy(input) : null;
  }

  async claimInputs(sessionId: string, request: ClaimInputsRequest): Promise<QueuedInput[]> {
    const slot = this.slot(sessionId);
    const wanted = request.ids ? new Set(request.ids) : null;
    const claimed = slot.inputs
      .filter((input) => input.status === 'pending' && (!wanted || wanted.has(input.id)))
      .slice(0, Math.max(0, request.max));
    for (const input of claimed) {
      input.status = 'claimed';
      input.claimToken = request.claimToken;
    }
    return copy(claimed);
  }

  async releaseInputs(sessionId: string, claimToken?: string): Promise<number> {
    let released = 0;
    for (const input of this.slot(sessionId).inputs) {
      if (input.status !== 'claimed' || (claimToken !== undefined && input.claimToken !== claimToken)) continue;
      input.status = 'pending';
      input.claimToken = null;
      released++;
    }
    return released;
  }

  async countPendingInputs(sessionId: string): Promise<number> {
    return this.slot(sessionId).inputs.filter((input) => input.status === 'pending').length;
  }

  // --- leases -----------------------------------------------------------------------------------

  async acquireLease(sessionId: string, owner: string, ttlMs: number): Promise<Lease | null> {
    return (await this.acquireLeaseReporting(sessionId, owner, ttlMs))?.lease ?? null;
  }

  async acquireLeaseReporting(sessionId: string, owner: string, ttlMs: number): Promise<LeaseAcquisition | null> {
    const slot = this.slot(sessionId);
    const now = this.now();
    if (isLeaseLive(slot.lease, now)) return null;
    const previous = slot.leaseCounter === 0 ? 'none' : slot.leaseReleased ? 'released' : 'expired';
    slot.leaseCounter++;
    slot.leaseReleased = false;
    slot.lease = {
      sessionId,
      owner,
      token: slot.leaseCounter,
      expiresAt: new Date(now.getTime() + ttlMs).toISOString(),
    };
    return { lease: copy(slot.lease), previous };
  }

  async renewLease(lease: Lease, ttlMs: number): Promise<Lease> {
    const slot = this.slot(lease.sessionId);
    const now = this.now();
    const current = slot.lease;
    if (!isLeaseLive(current, now) || current.token !== lease.token || current.owner !== lease.owner) {
      throw errors.conflict(`lease ${lease.token} on session ${lease.sessionId} was lost`);
    }
    slot.lease = { ...current, expiresAt: new Date(now.getTime() + ttlMs).toISOString() };
    return copy(slot.lease);
  }

  async releaseLease(lease: Lease): Promise<void> {
    this.assertOpen();
    const slot = this.sessions.get(lease.sessionId);
    if (slot?.lease?.token === lease.token && slot.lease.owner === lease.owner) {
      slot.lease = null;
      slot.leaseReleased = true;
    }
  }

  async getLease(sessionId: string): Promise<Lease | null> {
    const lease = this.slot(sessionId).lease;
    return isLeaseLive(lease, this.now()) ? copy(lease) : null;
  }

  // --- apps, tokens, files ------------------------------------------------------------------------

  async createApp(input: { id: string; name: string }): Promise<App> {
    this.assertOpen();
    const existing = this.apps.get(input.id);
    if (existing) return copy(existing);
    const app: App = { id: input.id, name: input.name, createdAt: this.iso() };
    this.apps.set(app.id, app);
    return copy(app);
  }

  async getApp(appId: string): Promise<App | null> {
    this.assertOpen();
    const app = this.apps.get(appId);
    return app ? copy(app) : null;
  }

  async listApps(): Promise<App[]> {
    this.assertOpen();
    return [...this.apps.values()].map(copy);
  }

  async createToken(input: { id: string; appId: string; tokenHash: string; label?: string | null }): Promise<ApiToken> {
    this.assertOpen();
    if (!this.apps.has(input.appId)) throw errors.notFound('app', input.appId);
    if (this.tokens.has(input.id)) throw errors.conflict(`token ${input.id} exists`);
    if ([...this.tokens.values()].some((token) => token.tokenHash === input.tokenHash)) {
      throw errors.conflict('a token with this hash exists');
    }
    const token: ApiToken = {
      id: input.id,
      appId: input.appId,
      label: input.label ?? null,
      tokenHash: input.tokenHash,
      createdAt: this.iso(),
      revokedAt: null,
    };
    this.tokens.set(token.id, token);
    return copy(token);
  }

  async findToken(tokenHash: string): Promise<ApiToken | null> {
    this.assertOpen();
    const token = [...this.tokens.values()].find((candidate) => candidate.tokenHash === tokenHash);
    return token && token.revokedAt === null ? copy(token) : null;
  }

  async listTokens(appId: string): Promise<ApiToken[]> {
    this.assertOpen();
    return [...this.tokens.values()].filter((token) => token.appId === appId).map(copy);
  }

  async revokeToken(tokenId: string): Promise<boolean> {
    this.assertOpen();
    const token = this.tokens.get(tokenId);
    if (!token || token.revokedAt !== null) return false;
    token.revokedAt = this.iso();
    return true;
  }

  async putFile(input: NewFile): Promise<FileRecord> {
    this.assertOpen();
    if (this.files.has(input.token)) throw errors.conflict('file token exists');
    const file: FileRecord = {
      token: input.token,
      appId: input.appId,
      sessionId: input.sessionId ?? null,
      name: input.name ?? null,
      mediaType: input.mediaType,
      size: input.data.byteLength,
      createdAt: this.iso(),
      expiresAt: input.expiresAt,
    };
    this.files.set(file.token, { file, data: new Uint8Array(input.data) });
    return copy(file);
  }

  async getFile(
    appId: string,
    token: string,
    now = this.now(),
  ): Promise<{ file: FileRecord; data: Uint8Array } | null> {
    this.assertOpen();
    const entry = this.files.get(token);
    if (!entry || entry.file.appId !== appId || Date.parse(entry.file.expiresAt) <= now.getTime()) return null;
    return { file: copy(entry.file), data: new Uint8Array(entry.data) };
  }

  async deleteExpiredFiles(now = this.now()): Promise<number> {
    this.assertOpen();
    let deleted = 0;
    for (const [token, entry] of this.files) {
      if (Date.parse(entry.file.expiresAt) <= now.getTime()) {
        this.files.delete(token);
        deleted++;
      }
    }
    return deleted;
  }

  // --- retention ----------------------------------------------------------------------------------

  async sweep(request: SweepRequest): Promise<SweepResult> {
    this.assertOpen();
    const limit = request.limit ?? 500;
    const result: SweepResult = { closed: [], deleted: [] };
    const eligible = (record: SessionRecord) => request.force || !record.pendingInterrupt;
    if (request.deleteClosedBefore) {
      for (const slot of [...this.sessions.values()]) {
        const record = slot.record;
        if (result.deleted.length >= limit) break;
        if (record.status !== 'closed' || !record.closedAt || record.closedAt >= request.deleteClosedBefore) continue;
        if (!eligible(record)) continue;
        result.deleted.push(copy(record));
        await this.deleteSession(record.id);
      }
    }
    if (request.closeIdleBefore) {
      for (const slot of this.sessions.values()) {
        if (result.closed.length >= limit) break;
        const record = slot.record;
        if (record.status === 'closed' || record.lastActivityAt >= request.closeIdleBefore || !eligible(record))
          continue;
        if (isLeaseLive(slot.lease, this.now())) continue;
        const now = this.iso();
        slot.record = { ...applySessionPatch(record, {}, now), status: 'closed', closedAt: now };
        result.closed.push(copy(slot.record));
      }
    }
    return result;
  }

  // --- internals ----------------------------------------------------------------------------------

  private iso(): string {
    return this.now().toISOString();
  }

  private assertOpen(): void {
    if (this.closed) throw errors.unavailable('the store is closed');
  }

  private slot(sessionId: string): SessionSlot {
    this.assertOpen();
    const slot = this.sessions.get(sessionId);
    if (!slot) throw errors.notFound('session', sessionId);
    return slot;
  }

  private insert(record: SessionRecord): SessionRecord {
    if (this.sessions.has(record.id)) throw errors.conflict(`session ${record.id} exists`);
    this.sessions.set(record.id, {
      record,
      events: [],
      inputs: [],
      lease: null,
      leaseCounter: 0,
      leaseReleased: false,
    });
    return record;
  }

  private findByClientSessionId(appId: string, clientSessionId: string): SessionSlot | undefined {
    for (const slot of this.sessions.values()) {
      if (slot.record.appId === appId && slot.record.clientSessionId === clientSessionId) return slot;
    }
    return undefined;
  }

  private assertClientSessionIdFree(appId: string, clientSessionId: string | null | undefined): void {
    if (clientSessionId && this.findByClientSessionId(appId, clientSessionId)) {
      throw errors.conflict(`clientSessionId ${clientSessionId} is already used`);
    }
  }

  private activeInChannel(appId: string, channel: string): SessionSlot | undefined {
    for (const slot of this.sessions.values()) {
      const record = slot.record;
      if (record.appId === appId && record.channel === channel && record.status === 'active') return slot;
    }
    return undefined;
  }

  private async readVisible(
    record: SessionRecord,
    after: number,
    limit: number,
    types: readonly EventType[] | null = null,
  ): Promise<SessionEvent[]> {
    const segments = await resolveChain(record, (id) => this.sessions.get(id)?.record.inheritsFrom);
    return readChain(record.id, segments, after, limit, (id, afterSeq, throughSeq, max) =>
      ownEventRange(this.sessions.get(id)?.events ?? [], afterSeq, throughSeq, max, types),
    );
  }

  private findOwnLatest(sessionId: string, type: SessionEvent['type'], afterSeq: number, throughSeq: number) {
    const events = this.sessions.get(sessionId)?.events ?? [];
    for (let index = events.length - 1; index >= 0; index--) {
      const event = events[index] as SessionEvent;
      if (event.seq > throughSeq) continue;
      if (event.seq <= afterSeq) break;
      if (event.type === type) return event;
    }
    return null;
  }
}
