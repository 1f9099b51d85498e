import type { JsonObject } from './json.js';

/** Where a session stands: only `active` sessions run turns; `closed` is final. */
export type SessionStatus = 'active' | 'archived' | 'closed';

/** The point a forked session was taken from (DESIGN §6.1 "Forks"). */
export interface ForkParent {
  sessionId: string;
  seq: number;
  snapshotId: string | null;
}

/** A client-side tool declared by the client at session creation (JSON Schema input). */
export interface ClientToolDefinition {
  name: string;
  description?: string;
  inputSchema: JsonObject;
}

/**
 * The session object of the wire contract (DESIGN §6.1): every field present, absent values `null`.
 */
export interface Session {
  id: string;
  appId: string;
  clientSessionId: string | null;
  channel: string | null;
  title: string | null;
  agent: string | null;
  model: string | null;
  status: SessionStatus;
  meta: JsonObject;
  state: JsonObject;
  stateVersion: number;
  turnCount: number;
  createdAt: string;
  updatedAt: string;
  lastTurnAt: string | null;
  closedAt: string | null;
  parent: ForkParent | null;
}

/**
 * What a store keeps for a session: the wire fields plus the bookkeeping the runtime needs.
 * Stores return copies; mutating one never changes the store.
 */
export interface SessionRecord extends Session {
  /** Optimistic-concurrency version; bumps on every change to the record. */
  version: number;
  /** Seq of the newest event in this session's log (inherited events included); 0 when empty. */
  lastSeq: number;
  /** Newest activity (creation, update or append): the order of `listSessions`. */
  lastActivityAt: string;
  /** Client-side tools declared for this session. */
  tools: ClientToolDefinition[];
  /** Seq of the newest `compaction` event visible to this session, or null. */
  compactionSeq: number | null;
  /** Id of the newest snapshot of this session (for a fresh fork: the one it was forked from). */
  lastSnapshotId: string | null;
  /** True while a turn waits on client tool results or approvals; retention keeps such sessions. */
  pendingInterrupt: boolean;
  /** When the session was archived, or null. */
  archivedAt: string | null;
  /** Runner bookkeeping (e.g. the running turn's start seq). Opaque to stores. */
  runtime: JsonObject;
  /**
   * Where reading continues into another session's log (copy-on-write fork): events with seq up
   * to `seq` are read from `sessionId`'s chain. Null for a root session, or once a deleted parent's
   * events were copied in. Store-internal; the wire shows `parent`.
   */
  inheritsFrom: { sessionId: string; seq: number } | null;
}

/** The fields a caller may change through `updateSession` or an append's `update`. */
export type SessionPatch = Partial<
  Pick<
    SessionRecord,
    | 'title'
    | 'agent'
    | 'model'
    | 'meta'
    | 'state'
    | 'stateVersion'
    | 'turnCount'
    | 'lastTurnAt'
    | 'pendingInterrupt'
    | 'tools'
    | 'runtime'
  >
>;

/** Input to `createSession`. Omitted fields take the defaults of a fresh session. */
export interface NewSession {
  /** Server-assigned when omitted. */
  id?: string;
  appId: string;
  clientSessionId?: string | null;
  channel?: string | null;
  title?: string | null;
  agent?: string | null;
  model?: string | null;
  meta?: JsonObject;
  state?: JsonObject;
  tools?: ClientToolDefinition[];
}

/** Projects a stored record onto the wire session object (drops store bookkeeping). */
export function toSession(record: SessionRecord): Session {
  return {
    id: record.id,
    appId: record.appId,
    clientSessionId: record.clientSessionId,
    channel: record.channel,
    title: record.title,
    agent: record.agent,
    model: record.model,
    status: record.status,
    meta: record.meta,
    state: record.state,
    stateVersion: record.stateVersion,
    turnCount: record.turnCount,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    lastTurnAt: record.lastTurnAt,
    closedAt: record.closedAt,
    parent: record.parent,
  };
}
