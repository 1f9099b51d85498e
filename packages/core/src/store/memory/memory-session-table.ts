import { errors } from '../../errors.js';
import type { EventType, SessionEvent } from '../../model/event.js';
import type { NewSession, SessionPatch, SessionRecord } from '../../model/session.js';
import { readChain, resolveChain } from '../kit/fork-chain.js';
import { checkAfter, checkStatusFilter, clampLimit, PAGE_LIMITS } from '../kit/limits.js';
import { decodeSessionCursor, encodeSessionCursor, sessionOrderBefore } from '../kit/session-cursor.js';
import { applySessionPatch, buildSessionRecord } from '../kit/session-record.js';
import { checkSessionSearch, matchesSessionSearch } from '../kit/session-search.js';
import type { ListSessionsQuery, SessionPage } from '../port/list-sessions-query.js';
import type { EventPage, ReadEventsQuery } from '../port/read-events-query.js';
import type { SessionContext } from '../port/session-context.js';
import { copy } from './copy.js';
import { MemoryInputQueue } from './memory-input-queue.js';
import { MemoryLeaseHolder } from './memory-lease-holder.js';
import { ownEventRange } from './own-event-range.js';

/** Everything `MemoryStore` keeps for one session. */
export interface MemorySessionSlot {
  record: SessionRecord;
  /** The session's own events (not those it inherits from a fork parent), in seq order. */
  events: SessionEvent[];
  inputs: MemoryInputQueue;
  lease: MemoryLeaseHolder;
}

/**
 * The sessions of `MemoryStore` by id: their lifecycle, the uniqueness rules across them (one
 * active session a channel, one session a `clientSessionId`) and the fork-aware reads. It hands
 * out its own records, not copies: the store copies at its boundary. The clock `at` is a function,
 * read once where a write makes its timestamp.
 */
export class MemorySessionTable {
  private readonly slots = new Map<string, MemorySessionSlot>();

  get(sessionId: string): MemorySessionSlot | undefined {
    return this.slots.get(sessionId);
  }

  /** The session's slot; `not_found` when missing. */
  require(sessionId: string): MemorySessionSlot {
    const slot = this.slots.get(sessionId);
    if (!slot) throw errors.notFound('session', sessionId);
    return slot;
  }

  has(sessionId: string): boolean {
    return this.slots.has(sessionId);
  }

  values(): IterableIterator<MemorySessionSlot> {
    return this.slots.values();
  }

  /** Adds a new session with empty log, queue and lease; `conflict` when its id is taken. */
  insert(record: SessionRecord): SessionRecord {
    if (this.slots.has(record.id)) throw errors.conflict(`session ${record.id} exists`);
    this.slots.set(record.id, { record, events: [], inputs: new MemoryInputQueue(), lease: new MemoryLeaseHolder() });
    return record;
  }

  /** `createSession`: the app's session with the same `clientSessionId` when there is one, else a new one. */
  create(input: NewSession, at: () => string): { session: SessionRecord; created: boolean } {
    if (input.clientSessionId) {
      const existing = this.findByClientSessionId(input.appId, input.clientSessionId);
      if (existing) return { session: existing.record, created: false };
    }
    if (input.channel && this.activeInChannel(input.appId, input.channel)) {
      throw errors.conflict(`channel ${input.channel} already has an active session`);
    }
    return { session: this.insert(buildSessionRecord(copy(input), at())), created: true };
  }

  /** `updateSession`: applies `patch`, after the `expectedVersion` check when one is given. */
  update(sessionId: string, patch: SessionPatch, expectedVersion: number | undefined, at: () => string): SessionRecord {
    const slot = this.require(sessionId);
    if (expectedVersion !== undefined && expectedVersion !== slot.record.version) {
      throw errors.conflict(`session ${sessionId} is at version ${slot.record.version}, not ${expectedVersion}`);
    }
    slot.record = applySessionPatch(slot.record, copy(patch), at());
    return slot.record;
  }

  /** `archiveSession`: active becomes archived; archived stays; closed fails with `session_closed`. */
  archive(sessionId: string, at: () => string): SessionRecord {
    const slot = this.require(sessionId);
    if (slot.record.status === 'closed') throw errors.sessionClosed(sessionId);
    if (slot.record.status === 'active') {
      const now = at();
      slot.record = { ...applySessionPatch(slot.record, {}, now), status: 'archived', archivedAt: now };
    }
    return slot.record;
  }

  /** `closeSession`: a soft close, reported as `alreadyClosed` the second time. */
  close(sessionId: string, at: () => string): { session: SessionRecord; alreadyClosed: boolean } {
    const slot = this.require(sessionId);
    if (slot.record.status === 'closed') return { session: slot.record, alreadyClosed: true };
    const now = at();
    slot.record = { ...applySessionPatch(slot.record, {}, now), status: 'closed', closedAt: now };
    return { session: slot.record, alreadyClosed: false };
  }

  /** `resolveChannel`: the channel's active session, else a new one with `defaults`. */
  resolveChannel(
    appId: string,
    channel: string,
    defaults: Omit<NewSession, 'appId' | 'channel'>,
    at: () => string,
  ): { session: SessionRecord; created: boolean } {
    const active = this.activeInChannel(appId, channel);
    if (active) return { session: active.record, created: false };
    this.assertClientSessionIdFree(appId, defaults.clientSessionId);
    return { session: this.insert(buildSessionRecord(copy({ ...defaults, appId, channel }), at())), created: true };
  }

  /** `rotateChannel`: archives the channel's active session, if any, and creates a new active one. */
  rotateChannel(
    appId: string,
    channel: string,
    defaults: Omit<NewSession, 'appId' | 'channel'>,
    at: () => string,
  ): { session: SessionRecord; archived: SessionRecord | null } {
    const active = this.activeInChannel(appId, channel);
    const now = at();
    // Everything that can fail is checked before anything changes, so rotate stays all-or-nothing.
    this.assertClientSessionIdFree(appId, defaults.clientSessionId);
    const fresh = buildSessionRecord(copy({ ...defaults, appId, channel }), now);
    if (this.slots.has(fresh.id)) throw errors.conflict(`session ${fresh.id} exists`);
    if (active) active.record = { ...applySessionPatch(active.record, {}, now), status: 'archived', archivedAt: now };
    return { session: this.insert(fresh), archived: active ? active.record : null };
  }

  /**
   * Removes a session. Copy-on-write's write: forks that read through it get its events copied
   * into their own logs first, so they stay readable. Returns the removed slot, if any.
   */
  remove(sessionId: string): MemorySessionSlot | undefined {
    const slot = this.slots.get(sessionId);
    if (!slot) return undefined;
    for (const child of this.slots.values()) {
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
    this.slots.delete(sessionId);
    return slot;
  }

  findByClientSessionId(appId: string, clientSessionId: string): MemorySessionSlot | undefined {
    for (const slot of this.slots.values()) {
      if (slot.record.appId === appId && slot.record.clientSessionId === clientSessionId) return slot;
    }
    return undefined;
  }

  /** `conflict` when `clientSessionId` is given and already used in the app. */
  assertClientSessionIdFree(appId: string, clientSessionId: string | null | undefined): void {
    if (clientSessionId && this.findByClientSessionId(appId, clientSessionId)) {
      throw errors.conflict(`clientSessionId ${clientSessionId} is already used`);
    }
  }

  activeInChannel(appId: string, channel: string): MemorySessionSlot | undefined {
    for (const slot of this.slots.values()) {
      const record = slot.record;
      if (record.appId === appId && record.channel === channel && record.status === 'active') return slot;
    }
    return undefined;
  }

  /** One page of `listSessions`: the app's sessions, newest activity first, after the cursor. */
  list(query: ListSessionsQuery): SessionPage {
    const limit = clampLimit(query.limit, PAGE_LIMITS.sessions);
    const after = query.cursor ? decodeSessionCursor(query.cursor) : null;
    const status = checkStatusFilter(query.status);
    const search = checkSessionSearch(query.search);
    const matching = [...this.slots.values()]
      .map((slot) => slot.record)
      .filter(
        (record) =>
          record.appId === query.appId &&
          (status === 'all' || record.status === status) &&
          (query.channel == null || record.channel === query.channel) &&
          (query.parentId == null || record.parent?.sessionId === query.parentId) &&
          matchesSessionSearch(record, search) &&
          (!after || sessionOrderBefore(after, record)),
      )
      .sort((a, b) => (sessionOrderBefore(a, b) ? -1 : 1));
    const page = matching.slice(0, limit);
    const last = page[page.length - 1];
    return { sessions: page, nextCursor: matching.length > limit && last ? encodeSessionCursor(last) : null };
  }

  /** One page of `readEvents` for the session of `record`. */
  async readPage(record: SessionRecord, query: ReadEventsQuery): Promise<EventPage> {
    const limit = clampLimit(query.limit, PAGE_LIMITS.events);
    const after = checkAfter(query.after);
    const events = await this.readVisible(record, after, limit);
    const last = events[events.length - 1];
    return { events, nextAfter: last && last.seq < record.lastSeq ? last.seq : null };
  }

  /** `readContext` for the session of `record`, with `types` already checked (null: every type). */
  async readContext(record: SessionRecord, types: readonly EventType[] | null): Promise<SessionContext> {
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
  }

  /** Up to `limit` events visible to the session after `after`, through fork parents (see `readChain`). */
  private async readVisible(
    record: SessionRecord,
    after: number,
    limit: number,
    types: readonly EventType[] | null = null,
  ): Promise<SessionEvent[]> {
    const segments = await resolveChain(record, (id) => this.slots.get(id)?.record.inheritsFrom);
    return readChain(record.id, segments, after, limit, (id, afterSeq, throughSeq, max) =>
      ownEventRange(this.slots.get(id)?.events ?? [], afterSeq, throughSeq, max, types),
    );
  }

  /** The newest event of `type` in a session's own log with seq in (`afterSeq`, `throughSeq`], or null. */
  findOwnLatest(sessionId: string, type: SessionEvent['type'], afterSeq: number, throughSeq: number) {
    const events = this.slots.get(sessionId)?.events ?? [];
    for (let index = events.length - 1; index >= 0; index--) {
      const event = events[index] as SessionEvent;
      if (event.seq > throughSeq) continue;
      if (event.seq <= afterSeq) break;
      if (event.type === type) return event;
    }
    return null;
  }
}
