/** The wire types the client speaks (DESIGN §4, §6), declared in `wire-types.ts`. */
import type {
  ClientToolDefinition,
  DeltaEvent,
  JsonObject,
  JsonValue,
  LifecycleEvent,
  LifecycleType,
  SessionEvent,
  SessionEventOf,
  SessionStatus,
  StopReason,
  Usage,
  WireSession,
} from './wire-types.js';

export type {
  ClientToolDefinition,
  DeltaEvent,
  JsonObject,
  JsonValue,
  LifecycleEvent,
  LifecycleType,
  SessionEvent,
  SessionEventOf,
  SessionStatus,
  StopReason,
  Usage,
};

/** The session object of the API (DESIGN §6.1): every field present, absent values `null`. */
export type SessionInfo = WireSession;

/** What a session event stream delivers: persisted events and stream-only deltas. */
export type StreamEvent = SessionEvent | DeltaEvent;

/** `POST /v1/sessions` body. */
export interface CreateSessionParams {
  agent?: string;
  model?: string;
  channel?: string;
  /** Your own id for the session: creating twice with the same one returns the same session. */
  clientSessionId?: string;
  title?: string;
  meta?: JsonObject;
  state?: JsonObject;
  /** Client-side tools: calls to them interrupt the turn until the client sends results. */
  tools?: ClientToolDefinition[];
}

/** `PATCH /v1/sessions/{id}` body; `meta` is a JSON Merge Patch (a `null` value removes the key). */
export interface UpdateSessionParams {
  title?: string | null;
  meta?: JsonObject;
  model?: string | null;
}

/** `GET /v1/sessions` query. */
export interface ListSessionsParams {
  channel?: string;
  /** Default `all`. */
  status?: SessionStatus | 'all';
  /**
   * Only sessions whose title, id or clientSessionId contains this text (ASCII letters in either
   * case; at most 256 characters). Empty: no filter.
   */
  search?: string;
  /** Only the sessions forked from this session (their `parent.sessionId`). */
  parentId?: string;
  /** Default 50, capped at 200. */
  limit?: number;
  cursor?: string;
}

/** A page of sessions, newest activity first; `nextCursor` fetches older ones. */
export interface SessionPage {
  sessions: SessionInfo[];
  nextCursor: string | null;
}

/** Answer of a soft close: `alreadyClosed` is true when the session was closed before. */
export interface CloseResult {
  ok: true;
  alreadyClosed: boolean;
}

/** Answer of a hard delete. */
export interface DeleteResult {
  ok: true;
  deleted: true;
}

/** A page of persisted events; `nextAfter` is the `after` of the next page, or null at the end. */
export interface EventPage {
  events: SessionEvent[];
  nextAfter: number | null;
}

/** An AI SDK `ModelMessage` as `GET …/messages` answers it. */
export interface ModelMessage {
  role: 'user' | 'assistant' | 'tool';
  content: string | Array<{ type: string; [key: string]: JsonValue }>;
}

/** `GET …/messages`: messages after the latest summary (oldest first) and that summary's text. */
export interface MessagePage {
  messages: ModelMessage[];
  summary: string | null;
  nextCursor: string | null;
}

/** A snapshot: a pointer into a session's log taken at a turn end. */
export interface SnapshotInfo {
  id: string;
  sessionId: string;
  seq: number;
  turn: number;
  stateVersion: number;
  parentSnapshotId: string | null;
  createdAt: string;
}

/** `POST …/compact`: `compacted: false` with nulls when there was nothing to compact. */
export interface CompactResult {
  compacted: boolean;
  summary: string | null;
  throughSeq: number | null;
}

/** `POST …/stop`: `stopped` is false when no turn was running. */
export interface StopResult {
  ok: true;
  stopped: boolean;
}

/** `POST /v1/files`: the token to put in a turn's `files`, valid until `expiresAt`. */
export interface UploadedFile {
  fileToken: string;
  expiresAt: string;
  size: number;
}

/** `GET /healthz`. */
export interface HealthInfo {
  ok: boolean;
  version: string;
  store: string;
}

/** Answers to an interrupted turn's pending tool calls and approvals (`POST …/resume`). */
export interface ResumeAnswers {
  toolResults?: Array<{ toolCallId: string; output: JsonValue; isError?: boolean }>;
  approvals?: Array<{ toolCallId: string; approved: boolean; scope?: 'once' | 'session' }>;
}

/** The wire `{ turn }` of `POST …/turns` and `…/resume` in JSON. */
export interface WireTurn {
  index: number;
  inputCount: number;
  inputIds: string[];
  events: SessionEvent[];
  stopReason: StopReason;
  snapshotId: string | null;
  usage: Usage | null;
  durationMs: number;
}
