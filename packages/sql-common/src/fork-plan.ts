import { errors, type SessionRecord, type SnapshotWithState } from 'confab';
import { chooseForkSnapshot, type ForkRequest, findLatestInChain, resolveChain } from 'confab/store';
import type { SessionReads } from './session-reads.js';

/** What a fork is taken from, resolved by {@link planFork}. */
export interface ForkPlan {
  source: SessionRecord;
  snapshot: SnapshotWithState | null;
  seq: number;
  turn: number;
  compactionSeq: number | null;
}

/**
 * The read half of `forkSession`, on one consistent snapshot of `reads`: finds the source, the
 * snapshot and the newest compaction at the fork point (through the source's own fork parents).
 * Fails with `not_found` exactly as MemoryStore does. The adapter writes the fork itself.
 */
export async function planFork(reads: SessionReads, request: ForkRequest): Promise<ForkPlan> {
  const source = await reads.loadSession(request.sessionId);
  if (!source || source.appId !== request.appId) throw errors.notFound('session', request.sessionId);
  const snapshot = await chooseForkSnapshot(source, request.snapshotId, (id) => reads.loadSnapshot(id));
  const seq = snapshot ? snapshot.seq : source.lastSeq;
  const segments = await resolveChain(source, (sessionId) => reads.loadInheritance(sessionId));
  const compaction = await findLatestInChain(segments, seq, (sessionId, afterSeq, throughSeq) =>
    reads.findOwnLatestCompaction(sessionId, afterSeq, throughSeq),
  );
  return {
    source,
    snapshot,
    seq,
    turn: snapshot ? snapshot.turn : source.turnCount,
    compactionSeq: compaction?.seq ?? null,
  };
}
