import type { JsonObject, JsonValue } from './json.js';

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
  /**
   * DESIGN §4's fields, plus optional ones written only when the turn's caller gives them (the AI
   * SDK UI endpoints do; see {@link TurnStartExtras}).
   */
  'turn-start': {
    inputIds: string[];
    inputCount: number;
    model: string;
    /**
     * A logical truncation: this turn continues the conversation as it stood after event `rewindTo`.
     * The events after that seq and before this `turn-start` stay in the log but are superseded: they
     * leave the prompt and the messages views (a regenerate or an edit on an append-only log).
     */
    rewindTo?: number;
    /** The id a chat UI shows for the turn's user message (the client's id), when not the input id. */
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
  /**
   * `toolName` is beyond DESIGN §4's fields: the runner adds it whenever the provider announced the
   * call (its `tool-input-start`), so a live reader can name the tool before the call completes.
   */
  'tool-input-delta': { toolCallId: string; delta: string; toolName?: string };
}

/** A persisted event type. */
export type EventType = keyof EventDataMap;
/** A stream-only delta type. */
export type DeltaType = keyof DeltaDataMap;

/** Every persisted event type, in documentation order. */
export const EVENT_TYPES: readonly EventType[] = [
  'input',
  'turn-start',
  'message',
  'tool-call',
  'tool-approval-request',
  'tool-approval',
  'tool-result',
  'state-patch',
  'artifact',
  'compaction',
  'turn-end',
  'error',
];

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

/** What a writer hands to `appendEvents`: the store assigns `seq` and `sessionId`. */
export type NewEvent = {
  [K in EventType]: { type: K; turn: number; data: EventDataMap[K]; at?: string };
}[EventType];

/** Loose data carried by events whose shape is checked at the edge. */
export type EventData = EventDataMap[EventType] | JsonObject;

/** The optional fields of a `turn-start` beyond DESIGN §4's, as a turn's caller gives them. */
export type TurnStartExtras = Pick<EventDataMap['turn-start'], 'rewindTo' | 'userMessageId' | 'assistantMessageId'>;
