import { errors, type NewSession, type SessionPatch, type SessionRecord } from 'confab';
import { applySessionPatch, buildSessionRecord } from 'confab/store';
import type { Database } from './database.js';
import { SESSION_COLUMNS, sessionValues } from './row-mapping.js';
import {
  findActiveInChannel,
  findByClientSessionId,
  insertSession,
  requireLockedSession,
  saveSession,
  saveSessionStatement,
  sessionPlaceholders,
} from './session-queries.js';
import type { SqlRunner, TransactionRunner } from './sql-runner.js';

/*
 * Session lifecycle writes. A change to an existing session locks its row first (so it cannot
 * interleave with an append or another change), then writes; creation relies on the unique
 * indexes, and channel changes queue on a per-channel advisory lock.
 */

/** Defaults of a session created through a channel. */
export type ChannelDefaults = Omit<NewSession, 'appId' | 'channel'>;

/** `createSession` of the port. */
export async function createSession(
  database: Database,
  input: NewSession,
  now: Date,
): Promise<{ session: SessionRecord; created: boolean }> {
  if (input.clientSessionId) {
    const existing = await findByClientSessionId(database, input.appId, input.clientSessionId);
    if (existing) return { session: existing, created: false };
  }
  if (input.channel && (await findActiveInChannel(database, input.appId, input.channel))) {
    throw errors.conflict(`channel ${input.channel} already has an active session`);
  }
  const record = buildSessionRecord(input, now.toISOString());
  // A concurrent create with the same client session id makes this insert do nothing (after
  // waiting for that one to commit); the winner is then read back, so exactly one is created.
  const inserted = await database.row(
    `INSERT INTO ${database.tables.sessions} (${SESSION_COLUMNS}) VALUES (${sessionPlaceholders()})
     ON CONFLICT (app_id, client_session_id) WHERE client_session_id IS NOT NULL DO NOTHING RETURNING id`,
    sessionValues(record),
  );
  if (inserted) return { session: record, created: true };
  const winner = input.clientSessionId && (await findByClientSessionId(database, input.appId, input.clientSessionId));
  if (!winner) throw errors.conflict(`clientSessionId ${input.clientSessionId} is being reused; retry`);
  return { session: winner, created: false };
}

/** `updateSession` of the port. */
export async function updateSession(
  database: Database,
  sessionId: string,
  patch: SessionPatch,
  expectedVersion: number | undefined,
  now: Date,
): Promise<SessionRecord> {
  return database.transaction(async (transaction) => {
    const { record } = await requireLockedSession(transaction, sessionId, 'NO KEY UPDATE');
    if (expectedVersion !== undefined && expectedVersion !== record.version) {
      throw errors.conflict(`session ${sessionId} is at version ${record.version}, not ${expectedVersion}`);
    }
    return commitSession(transaction, applySessionPatch(record, patch, now.toISOString()));
  }, 'write');
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
export async function archiveSession(database: Database, sessionId: string, now: Date): Promise<SessionRecord> {
  return database.transaction(async (transaction) => {
    const { record } = await requireLockedSession(transaction, sessionId, 'NO KEY UPDATE');
    if (record.status === 'closed') throw errors.sessionClosed(sessionId);
    if (record.status !== 'active') return record;
    return commitSession(transaction, archived(record, now.toISOString()));
  }, 'write');
}

/** `closeSession` of the port. */
export async function closeSession(
  database: Database,
  sessionId: string,
  now: Date,
): Promise<{ session: SessionRecord; alreadyClosed: boolean }> {
  return database.transaction(async (transaction) => {
    const { record } = await requireLockedSession(transaction, sessionId, 'NO KEY UPDATE');
    if (record.status === 'closed') return { session: record, alreadyClosed: true };
    return { session: await commitSession(transaction, closed(record, now.toISOString())), alreadyClosed: false };
  }, 'write');
}

/** `resolveChannel` of the port. */
export async function resolveChannel(
  database: Database,
  appId: string,
  channel: string,
  defaults: ChannelDefaults,
  now: Date,
): Promise<{ session: SessionRecord; created: boolean }> {
  // The common case, an existing channel, needs no lock.
  const active = await findActiveInChannel(database, appId, channel);
  if (active) return { session: active, created: false };
  return database.transaction(async (transaction) => {
    await lockChannel(transaction, appId, channel);
    const current = await findActiveInChannel(transaction, appId, channel);
    if (current) return { session: current, created: false };
    const record = buildSessionRecord({ ...defaults, appId, channel }, now.toISOString());
    return { session: await insertSession(transaction, record), created: true };
  }, 'write');
}

/** `rotateChannel` of the port. */
export async function rotateChannel(
  database: Database,
  appId: string,
  channel: string,
  defaults: ChannelDefaults,
  now: Date,
): Promise<{ session: SessionRecord; archived: SessionRecord | null }> {
  return database.transaction(async (transaction) => {
    const at = now.toISOString();
    await lockChannel(transaction, appId, channel);
    const active = await findActiveInChannel(transaction, appId, channel, 'FOR NO KEY UPDATE');
    // Archive first: the partial unique index allows one active session per channel at any moment.
    // A failing insert (client session id taken) rolls the archive back with it.
    const archivedRecord = active ? await saveSession(transaction, archived(active, at)) : null;
    const record = await insertSession(transaction, buildSessionRecord({ ...defaults, appId, channel }, at));
    return { session: record, archived: archivedRecord };
  }, 'write');
}

/**
 * Serialises creations in one channel of one app until the transaction ends, so that concurrent
 * resolves create one session and a rotate never races a resolve into a uniqueness failure.
 */
async function lockChannel(sql: SqlRunner, appId: string, channel: string): Promise<void> {
  await sql.run('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
    JSON.stringify(['confab.channel', sql.tables.schema, appId, channel]),
  ]);
}

/** Saves `record` as the transaction's last statement, committing with it in one round trip. */
export async function commitSession(transaction: TransactionRunner, record: SessionRecord): Promise<SessionRecord> {
  const [statement, values] = saveSessionStatement(transaction, record);
  await transaction.commitWith(statement, values);
  return record;
}
