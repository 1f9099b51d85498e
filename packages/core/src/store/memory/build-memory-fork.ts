import { errors } from '../../errors.js';
import type { SessionRecord } from '../../model/session.js';
import { findLatestInChain, resolveChain } from '../kit/fork-chain.js';
import { buildForkRecord, chooseForkSnapshot } from '../kit/session-record.js';
import type { ForkRequest } from '../port/fork-request.js';
import type { MemorySessionTable } from './memory-session-table.js';
import type { MemorySnapshots } from './memory-snapshots.js';

/**
 * The record of the session `MemoryStore.forkSession` creates, not yet inserted: it shares the
 * source's history up to the chosen snapshot (copy-on-write), so nothing is copied here. Fails
 * like `forkSession` (`not_found`, `conflict` for a used `clientSessionId`).
 */
export async function buildMemoryFork(
  sessions: MemorySessionTable,
  snapshots: MemorySnapshots,
  request: ForkRequest,
  now: () => Date,
): Promise<SessionRecord> {
  const source = sessions.get(request.sessionId);
  if (!source || source.record.appId !== request.appId) throw errors.notFound('session', request.sessionId);
  const snapshot = await chooseForkSnapshot(source.record, request.snapshotId, (id) => snapshots.get(id));
  const seq = snapshot ? snapshot.seq : source.record.lastSeq;
  const segments = await resolveChain(source.record, (id) => sessions.get(id)?.record.inheritsFrom);
  const compaction = await findLatestInChain(segments, seq, (id, afterSeq, throughSeq) =>
    sessions.findOwnLatest(id, 'compaction', afterSeq, throughSeq),
  );
  sessions.assertClientSessionIdFree(request.appId, request.clientSessionId);
  return buildForkRecord(
    source.record,
    {
      seq,
      turn: snapshot ? snapshot.turn : source.record.turnCount,
      snapshot,
      compactionSeq: compaction?.seq ?? null,
    },
    request,
    now().toISOString(),
  );
}
