/**
 * The wire types of the API (DESIGN §4, §6.1) as the client declares them. They mirror the core's
 * (`confab`) so that the published client depends on nothing of the runtime, not even for types;
 * `wire-types.test.ts` fails the type-check when the two drift apart.
 */

/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object (the shape of session `meta` and `state`). */
export type JsonObject = { [key: string]: JsonValue };

/** Why a turn ended (DESIGN §4). */
export type StopReason = 'stop' | 'length' | 'interrupted' | 'aborted' | 'timeout' | 'error';

/** Token usage as the provider reported it. */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
}

/** One RFC 6902 JSON Patch operation. */
export interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: JsonValue;
}

/** `data` of each persisted event type (DESIGN §4). */
export interface EventDataMap {
  input: { inputId: string; text: string; files?: string[] };
  'turn-start': {
    inputIds: string[];
    inputCount: number;
    model: string;
    /** A regenerate or edit: the events after this seq and before the turn are superseded. */
    rewindTo?: number;
    /** The id a chat UI shows for the turn's user message, when not the input id. */
    userMessageId?: string;
    /** The id a chat UI shows for the turn's assistant message, kept across its continuations. */
    assistantMessageId?: string;
  };
  message: { messageId: string; role: 'assistant' | 'system'; text: string; reasoning?: string };
  'tool-call': {
    toolCallId: string;
    toolName: string;
    input: JsonValue;
    executor: 'server' | 'client';
    needsApproval: boolean;
  };
  'tool-approval-request': { toolCallId: string; toolName: string; input: JsonValue };
  'tool-approval': { toolCallId: string; approved: boolean; scope: 'once' | 'session' };
  'tool-result': { toolCallId: string; toolName: string; output: JsonValue; isError: boolean };
  'state-patch': { patch: JsonPatchOperation[]; version: number };
  artifact: { name: string; value: JsonValue };
  compaction: { summary: string; throughSeq: number };
  'turn-end': {
    snapshotId: string | null;
    inputCount: number;
    inputIds: string[];
    stopReason: StopReason;
    usage: Usage | null;
    durationMs: number;
  };
  error: { code: string; message: string };
}

/** `data` of each stream-only delta type (DESIGN §4). */
export interface DeltaDataMap {
  'text-delta': { messageId: string; delta: string };
  'reasoning-delta': { messageId: string; delta: string };
  /** `toolName`: added by the server when the provider announced the call (beyond DESIGN §4). */
  'tool-input-delta': { toolCallId: string; delta: string; toolName?: string };
}

/** A persisted event type. */
export type EventType = keyof EventDataMap;
/** A stream-only delta type. */
export type DeltaType = keyof DeltaDataMap;

/** A persisted event: `{ seq, sessionId, turn, type, at, data }`. */
export type SessionEvent = {
  [K in EventType]: { seq: number; sessionId: string; turn: number; type: K; at: string; data: EventDataMap[K] };
}[EventType];

/** A persisted event of one type. */
export type SessionEventOf<K extends EventType> = Extract<SessionEvent, { type: K }>;

/** A stream-only delta: `seq` is the last persisted seq, `sub` counts from 1 within it. */
export type DeltaEvent = {
  [K in DeltaType]: {
    seq: number;
    sub: number;
    sessionId: string;
    turn: number;
    type: K;
    at: string;
    data: DeltaDataMap[K];
  };
}[DeltaType];

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

/** The session object of the API (DESIGN §6.1): every field present, absent values `null`. */
export interface WireSession {
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

/** A lifecycle event type (DESIGN §1.11). */
export type LifecycleType =
  | 'session.created'
  | 'session.updated'
  | 'session.archived'
  | 'session.closed'
  | 'session.deleted'
  | 'session.idle'
  | 'session.error'
  | 'turn.started'
  | 'turn.ended';

/** `{ type, sessionId, clientSessionId, appId, at, data }` plus an opaque, unique `id`. */
export interface LifecycleEvent {
  id: string;
  type: LifecycleType;
  sessionId: string;
  clientSessionId: string | null;
  appId: string;
  at: string;
  data: JsonObject;
}
