import { errors, type NewSession, type SessionPatch, type SessionRecord } from 'confab';
import { applySessionPatch, buildSessionRecord } from 'confab/store';
import type { StatementCache } from './connection.js';
import {
  findActiveInChannel,
  findByClientSessionId,
  insertSession,
  requireSession,
  saveSession,
} from './session-queries.js';

/*
 * Session lifecycle writes. Each runs as one write task of the group commit (inside a savepoint of
 * a BEGIN IMMEDIATE transaction), so its checks and its writes are atomic also against other
 * processes; the unique indexes back the same rules up.
 */

/** Defaults of a session created through a channel. */
export type ChannelDefaults = Omit<NewSession, 'appId' | 'channel'>;

/** `createSession` of the port. */
export function createSession(
  statements: StatementCache,
  input: NewSession,
  now: Date,
): { session: SessionRecord; created: boolean } {
  if (input.clientSessionId) {
    const existing = findByClientSessionId(statements, input.appId, input.clientSessionId);
    if (existing) return { session: existing, created: false };
  }
  if (input.channel && findActiveInChannel(statements, input.appId, input.channel)) {
    throw errors.conflict(`channel ${input.channel} already has an active session`);
  }
  return { session: insertSession(statements, buildSessionRecord(input, now.toISOString())), created: true };
}

/** `updateSession` of the port. */
export function updateSession(
  statements: StatementCache,
  sessionId: string,
  patch: SessionPatch,
  expectedVersion: number | undefined,
  now: Date,
): SessionRecord {
  const record = requireSession(statements, sessionId);
  if (expectedVersion !== undefined && expectedVersion !== record.version) {
    throw errors.conflict(`session ${sessionId} is at version ${record.version}, not ${expectedVersion}`);
  }
  return saveSession(statements, applySessionPatch(record, patch, now.toISOString()));
}

/** `record` archived at `now` (no status check). */
function archived(record: SessionRecord, now: string): SessionRecord {
  return { ...applySessionPatch(record, {}, now), status: 'archived', archivedAt: now };
}

/** `record` closed at `now` (no status check). */
export function closed(record: SessionRecord, now: string): SessionRecord {
  return { ...applySessionPatch(record, {}, now), status: 'closed', closedAt: now };
}

/** `archiveSession` of the port. */
export function archiveSession(statements: StatementCache, sessionId: string, now: Date): SessionRecord {
  const record = requireSession(statements, sessionId);
  if (record.status === 'closed') throw errors.sessionClosed(sessionId);
  if (record.status !== 'active') return record;
  return saveSession(statements, archived(record, now.toISOString()));
}

/** `closeSession` of the port. */
export function closeSession(
  statements: StatementCache,
  sessionId: string,
  now: Date,
): { session: SessionRecord; alreadyClosed: boolean } {
  const record = requireSession(statements, sessionId);
  if (record.status === 'closed') return { session: record, alreadyClosed: true };
  return { session: saveSession(statements, closed(record, now.toISOString())), alreadyClosed: false };
}

/** `resolveChannel` of the port. */
export function resolveChannel(
  statements: StatementCache,
  appId: string,
  channel: string,
  defaults: ChannelDefaults,
  now: Date,
): { session: SessionRecord; created: boolean } {
  const active = findActiveInChannel(statements, appId, channel);
  if (active) return { session: active, created: false };
  const record = buildSessionRecord({ ...defaults, appId, channel }, now.toISOString());
  return { session: insertSession(statements, record), created: true };
}

/** `rotateChannel` of the port. */
export function rotateChannel(
  statements: StatementCache,
  appId: string,
  channel: string,
  defaults: ChannelDefaults,
  now: Date,
): { session: SessionRecord; archived: SessionRecord | null } {
  const at = now.toISOString();
  const active = findActiveInChannel(statements, appId, channel);
  // Archive first: the partial unique index allows one active session per channel at any moment.
  const archivedRecord = active ? saveSession(statements, archived(active, at)) : null;
  const record = insertSession(statements, buildSessionRecord({ ...defaults, appId, channel }, at));
  return { session: record, archived: archivedRecord };
}
