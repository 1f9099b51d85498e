import { errors } from '../../errors.js';
import { EVENT_TYPES, type SessionEvent } from '../../model/event.js';
import type {
  ApiToken,
  App,
  FileRecord,
  Lease,
  NewFile,
  NewInput,
  QueuedInput,
  SnapshotWithState,
} from '../../model/records.js';
import type { NewSession, SessionPatch, SessionRecord } from '../../model/session.js';
import { newId } from '../../util/ids.js';
import type { AppendRequest } from '../port/session-store.js';
import { assertStorableText } from './storable-text.js';

/*
 * Pure functions every adapter shares, so that the rules of the port live in one place and each
 * adapter only maps them onto its storage. None of them performs I/O.
 */

const PATCHABLE_FIELDS: ReadonlySet<string> = new Set([
  'title',
  'agent',
  'model',
  'meta',
  'state',
  'stateVersion',
  'turnCount',
  'lastTurnAt',
  'pendingInterrupt',
  'tools',
  'runtime',
]);

/**
 * A pending queued input of `sessionId` for `input`, created at `createdAt` (ISO-8601): a new id
 * unless `input` names one, its own copy of the file tokens, no key unless given.
 */
export function buildQueuedInput(sessionId: string, input: NewInput, createdAt: string): QueuedInput {
  assertStorableText(input, 'input');
  return {
    id: input.id ?? newId('in'),
    sessionId,
    text: input.text,
    files: [...(input.files ?? [])],
    idempotencyKey: input.idempotencyKey ?? null,
    status: 'pending',
    claimToken: null,
    consumedSeq: null,
    consumedTurn: null,
    createdAt,
  };
}

/** The record of a file stored for `input`, created at `createdAt` (ISO-8601); `size` is its bytes. */
export function buildFileRecord(input: NewFile, createdAt: string): FileRecord {
  assertStorableText({ ...input, data: null }, 'file');
  return {
    token: input.token,
    appId: input.appId,
    sessionId: input.sessionId ?? null,
    name: input.name ?? null,
    mediaType: input.mediaType,
    size: input.data.byteLength,
    createdAt,
    expiresAt: input.expiresAt,
  };
}

/** The record of a new app for `input`, created at `createdAt` (ISO-8601). */
export function buildApp(input: { id: string; name: string }, createdAt: string): App {
  assertStorableText(input, 'app');
  return { id: input.id, name: input.name, createdAt };
}

/** The record of a new, unrevoked token for `input`, created at `createdAt` (ISO-8601). */
export function buildApiToken(
  input: { id: string; appId: string; tokenHash: string; label?: string | null },
  createdAt: string,
): ApiToken {
  assertStorableText(input, 'token');
  return {
    id: input.id,
    appId: input.appId,
    label: input.label ?? null,
    tokenHash: input.tokenHash,
    createdAt,
    revokedAt: null,
  };
}

/** A fresh session record for `input` at `now`, with the defaults of DESIGN §6.1. */
export function buildSessionRecord(input: NewSession, now: string): SessionRecord {
  if (!input.appId) throw errors.invalidArgument('appId is required');
  assertStorableText(input, 'session');
  return {
    id: input.id ?? newId('ses'),
    appId: input.appId,
    clientSessionId: input.clientSessionId ?? null,
    channel: input.channel ?? null,
    title: input.title ?? null,
    agent: input.agent ?? null,
    model: input.model ?? null,
    status: 'active',
    meta: input.meta ?? {},
    state: input.state ?? {},
    stateVersion: 0,
    turnCount: 0,
    createdAt: now,
    updatedAt: now,
    lastTurnAt: null,
    closedAt: null,
    parent: null,
    version: 1,
    lastSeq: 0,
    lastActivityAt: now,
    tools: input.tools ?? [],
    compactionSeq: null,
    lastSnapshotId: null,
    pendingInterrupt: false,
    archivedAt: null,
    runtime: {},
    inheritsFrom: null,
  };
}

/**
 * Throws `invalid_argument` when `patch` names a field that cannot be patched or holds text no
 * store can keep (see `assertStorableText`).
 */
export function assertSessionPatch(patch: SessionPatch): void {
  for (const key of Object.keys(patch)) {
    if (!PATCHABLE_FIELDS.has(key)) throw errors.invalidArgument(`session field ${key} cannot be changed`);
  }
  assertStorableText(patch, 'session');
}

/** `record` with `patch` applied, its version bumped and its timestamps moved to `now`. */
export function applySessionPatch(record: SessionRecord, patch: SessionPatch, now: string): SessionRecord {
  assertSessionPatch(patch);
  const defined = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
  return { ...record, ...defined, version: record.version + 1, updatedAt: now, lastActivityAt: now };
}

/**
 * Checks an append against the session and its current lease (`null` when none is held).
 * Throws `invalid_argument`, `session_closed` or `conflict` as the port documents.
 */
export function checkAppend(
  session: SessionRecord,
  request: AppendRequest,
  currentLease: Lease | null,
  now: Date,
): void {
  if (!Array.isArray(request.events) || request.events.length === 0) {
    throw errors.invalidArgument('an append needs at least one event');
  }
  for (const event of request.events) {
    if (!EVENT_TYPES.includes(event.type)) throw errors.invalidArgument(`unknown event type ${String(event.type)}`);
    if (!Number.isInteger(event.turn) || event.turn < 0)
      throw errors.invalidArgument('event turn must be an integer ≥ 0');
    if (typeof event.data !== 'object' || event.data === null)
      throw errors.invalidArgument('event data must be an object');
  }
  assertStorableText(request.events, 'events');
  if (session.status === 'closed') throw errors.sessionClosed(session.id);
  const live = currentLease !== null && Date.parse(currentLease.expiresAt) > now.getTime() ? currentLease : null;
  if (request.lease) {
    if (!live || live.token !== request.lease.token || live.owner !== request.lease.owner) {
      throw errors.conflict(`lease ${request.lease.token} on session ${session.id} is no longer held`, {
        details: { reason: 'lease_lost' },
      });
    }
  } else if (live) {
    throw errors.conflict(`session ${session.id} is leased by another writer`, { details: { reason: 'leased' } });
  }
  if (request.expectedLastSeq !== undefined && request.expectedLastSeq !== session.lastSeq) {
    throw errors.conflict(`expected last seq ${request.expectedLastSeq}, found ${session.lastSeq}`, {
      details: { reason: 'seq_mismatch' },
    });
  }
  if (request.update) assertSessionPatch(request.update);
  if (request.consumeInputIds?.length) {
    const written = new Set(request.events.flatMap((event) => (event.type === 'input' ? [event.data.inputId] : [])));
    for (const inputId of request.consumeInputIds) {
      if (!written.has(inputId)) throw errors.conflict(`input ${inputId} is consumed without an input event`);
    }
  }
}

/** The stored form of an append's events: contiguous seqs after `session.lastSeq`. */
export function buildAppendedEvents(session: SessionRecord, request: AppendRequest, now: string): SessionEvent[] {
  return request.events.map(
    (event, index) =>
      ({
        seq: session.lastSeq + index + 1,
        sessionId: session.id,
        turn: event.turn,
        type: event.type,
        at: event.at ?? now,
        data: event.data,
      }) as SessionEvent,
  );
}

/** The session after an append: head, compaction pointer, snapshot pointer and `update` applied. */
export function applyAppendToSession(
  session: SessionRecord,
  request: AppendRequest,
  events: SessionEvent[],
  now: string,
): SessionRecord {
  const patched = applySessionPatch(session, request.update ?? {}, now);
  const last = events[events.length - 1];
  let compactionSeq = session.compactionSeq;
  for (const event of events) if (event.type === 'compaction') compactionSeq = event.seq;
  return {
    ...patched,
    lastSeq: last ? last.seq : session.lastSeq,
    compactionSeq,
    lastSnapshotId: request.snapshot ? request.snapshot.id : session.lastSnapshotId,
  };
}

/** The snapshot an append asked for, pointing at the batch's last event. */
export function buildAppendSnapshot(
  before: SessionRecord,
  after: SessionRecord,
  request: AppendRequest,
  events: SessionEvent[],
  now: string,
): SnapshotWithState | null {
  const last = events[events.length - 1];
  if (!request.snapshot || !last) return null;
  return {
    id: request.snapshot.id,
    sessionId: before.id,
    seq: last.seq,
    turn: last.turn,
    stateVersion: after.stateVersion,
    parentSnapshotId: before.lastSnapshotId,
    createdAt: now,
    state: after.state,
  };
}

/** True when `lease` is held and unexpired at `now`. */
export function isLeaseLive(lease: Lease | null | undefined, now: Date): lease is Lease {
  return !!lease && Date.parse(lease.expiresAt) > now.getTime();
}

/**
 * The forked session record: shares the source's history up to `seq`, takes the snapshot's state
 * (or the source's current state when forking at the head), and is a root of its own.
 */
export function buildForkRecord(
  source: SessionRecord,
  at: { seq: number; turn: number; snapshot: SnapshotWithState | null; compactionSeq: number | null },
  request: { id?: string; clientSessionId?: string | null; title?: string | null },
  now: string,
): SessionRecord {
  const base = buildSessionRecord(
    {
      id: request.id,
      appId: source.appId,
      clientSessionId: request.clientSessionId ?? null,
      title: request.title ?? source.title,
      agent: source.agent,
      model: source.model,
      meta: source.meta,
      state: at.snapshot ? at.snapshot.state : source.state,
      tools: source.tools,
    },
    now,
  );
  return {
    ...base,
    stateVersion: at.snapshot ? at.snapshot.stateVersion : source.stateVersion,
    turnCount: at.turn,
    parent: { sessionId: source.id, seq: at.seq, snapshotId: at.snapshot?.id ?? null },
    lastSeq: at.seq,
    compactionSeq: at.compactionSeq,
    lastSnapshotId: at.snapshot?.id ?? null,
    inheritsFrom: at.seq > 0 ? { sessionId: source.id, seq: at.seq } : null,
  };
}

/**
 * The snapshot a fork starts from, by the port's rule: an explicit `requested` id must name a
 * snapshot of `source` (else `not_found`); with none requested, the source's latest snapshot when
 * it is the source's own, else null (fork at the head — a fresh fork's latest is its parent's).
 * `load` reads one snapshot by id (null when missing).
 */
export async function chooseForkSnapshot(
  source: SessionRecord,
  requested: string | null | undefined,
  load: (snapshotId: string) => Promise<SnapshotWithState | null> | SnapshotWithState | null,
): Promise<SnapshotWithState | null> {
  const explicit = requested !== undefined;
  const snapshotId = explicit ? requested : source.lastSnapshotId;
  if (!snapshotId) return null;
  const snapshot = await load(snapshotId);
  if (snapshot && snapshot.sessionId === source.id) return snapshot;
  if (explicit) throw errors.notFound('snapshot', snapshotId);
  return null;
}
