import { errors, type SessionRecord } from 'confab';
import { buildForkRecord, chooseForkSnapshot, type ForkRequest, findLatestInChain, resolveChain } from 'confab/store';
import type { EventLog, WarningLogger } from './event-log.js';
import type { SessionCatalog, SessionState } from './session-catalog.js';
import { findByClientSessionId } from './session-queries.js';
import { findSnapshot } from './side-log.js';
import type { StoreLayout } from './store-layout.js';

/** What a fork needs from the store. */
export interface ForkContext {
  layout: StoreLayout;
  catalog: SessionCatalog;
  events: EventLog;
  logger: WarningLogger;
}

/**
 * `forkSession` of the port on a loaded source session. The caller holds the global lock (client
 * session ids, new id), a shared topology lock (the chain it reads) and the source's lock. Nothing
 * is copied: the new session's meta points into the source's chain at the fork seq.
 */
export async function forkFromSession(
  context: ForkContext,
  source: SessionState,
  request: ForkRequest,
  now: string,
): Promise<SessionRecord> {
  const record = source.record;
  // Only the source's own snapshots qualify, so its own side log is the place to look.
  const snapshot = await chooseForkSnapshot(record, request.snapshotId, (id) =>
    findSnapshot(context.layout.sideFile(record.id), source.sideBytes, context.logger, id),
  );
  const seq = snapshot ? snapshot.seq : record.lastSeq;
  const records = context.catalog.records;
  const segments = await resolveChain(record, (id) => records.get(id)?.inheritsFrom);
  const compaction = await findLatestInChain(segments, seq, (id, afterSeq, throughSeq) =>
    context.events.findLatest(id, 'compaction', afterSeq, throughSeq),
  );
  if (request.clientSessionId && findByClientSessionId(records.values(), request.appId, request.clientSessionId)) {
    throw errors.conflict(`clientSessionId ${request.clientSessionId} is already used`);
  }
  const at = {
    seq,
    turn: snapshot ? snapshot.turn : record.turnCount,
    snapshot,
    compactionSeq: compaction?.seq ?? null,
  };
  const fork = buildForkRecord(record, at, structuredClone(request), now);
  await context.catalog.create(fork);
  return fork;
}
