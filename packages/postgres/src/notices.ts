import type { LifecycleEvent } from 'confab';

/*
 * The payloads sent through NOTIFY. Several stores (schemas) may share one database and so one
 * channel: every payload names its schema, and receivers ignore other schemas' notices.
 */

/** The channel on which every append is announced. */
export const APPEND_CHANNEL = 'confab_events';

/** The channel that carries lifecycle events between processes. */
export const LIFECYCLE_CHANNEL = 'confab_lifecycle';

/** The channel that carries stop requests to the process running a session's turn. */
export const STOP_CHANNEL = 'confab_stop';

/**
 * NOTIFY payloads must stay under 8000 bytes; a lifecycle event larger than this travels through
 * a table and only its row id is notified.
 */
export const MAX_NOTICE_BYTES = 7900;

/** What an append announces. */
export interface AppendNotice {
  schema: string;
  sessionId: string;
  lastSeq: number;
  /** The store instance that appended: it told its own listeners already and skips its echo. */
  origin: string;
}

/** The NOTIFY payload of an append. */
export function encodeAppendNotice(notice: AppendNotice): string {
  return JSON.stringify(notice);
}

/** The append announced by `payload`, or null when it is malformed. */
export function decodeAppendNotice(payload: string): AppendNotice | null {
  const value = parseObject(payload);
  if (
    value &&
    typeof value.schema === 'string' &&
    typeof value.sessionId === 'string' &&
    typeof value.lastSeq === 'number' &&
    typeof value.origin === 'string'
  ) {
    return { schema: value.schema, sessionId: value.sessionId, lastSeq: value.lastSeq, origin: value.origin };
  }
  return null;
}

/** The NOTIFY payload of a stop request. */
export function encodeStopNotice(notice: { schema: string; sessionId: string }): string {
  return JSON.stringify(notice);
}

/** The stop request in `payload`, or null when it is malformed. */
export function decodeStopNotice(payload: string): { schema: string; sessionId: string } | null {
  const value = parseObject(payload);
  if (value && typeof value.schema === 'string' && typeof value.sessionId === 'string') {
    return { schema: value.schema, sessionId: value.sessionId };
  }
  return null;
}

/** A lifecycle notice: the event itself, or the id of the row holding a large one. */
export type LifecycleNotice = { schema: string; event: LifecycleEvent } | { schema: string; payloadId: number };

/** The lifecycle notice in `payload`, or null when it is malformed. */
export function decodeLifecycleNotice(payload: string): LifecycleNotice | null {
  const value = parseObject(payload);
  if (!value || typeof value.schema !== 'string') return null;
  if (typeof value.payloadId === 'number') return { schema: value.schema, payloadId: value.payloadId };
  if (isLifecycleEvent(value.event)) return { schema: value.schema, event: value.event };
  return null;
}

/** True when `value` has the shape of a lifecycle event (its fields are trusted beyond that). */
export function isLifecycleEvent(value: unknown): value is LifecycleEvent {
  if (typeof value !== 'object' || value === null) return false;
  const event = value as Partial<LifecycleEvent>;
  return typeof event.id === 'string' && typeof event.type === 'string' && typeof event.sessionId === 'string';
}

function parseObject(payload: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(payload);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
