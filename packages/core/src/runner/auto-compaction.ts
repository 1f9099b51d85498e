import { compactSession } from '../compaction/compact-session.js';
import type { Lease } from '../model/records.js';
import type { SessionRecord } from '../model/session.js';
import type { ModelReference } from './agent.js';
import type { ResidentContext } from './resident-context.js';
import type { EngineDeps } from './turn-engine.js';

/** Automatic compaction, as a session runner applies it before each new turn (DESIGN §1.9). */
export interface AutoCompaction {
  /** Compact when the context passes this many tokens; null: never automatically. */
  maxTokens: number | null;
  /** Conversation messages kept verbatim. */
  keepTail: number;
  /** The model that writes summaries. Default: the turn logic's own model (a flow's: the session's, then `defaultModel`). */
  model?: ModelReference | null;
  /** The model name for a flow whose session names none. */
  defaultModel?: string;
  /** Told when a compaction failed; the failure is also written as an `error` event and the turn runs on. */
  onFailure?: (session: SessionRecord, message: string, durationMs: number) => void;
  /** Told when a compaction was written. */
  onCompacted?: (session: SessionRecord, durationMs: number) => void;
  /**
   * After a failure, how long turns run without trying again (each try reads the history whole and
   * calls the model). Default 60 s.
   */
  retryAfterMs?: number;
}

/** What a session runner remembers between its turns about automatic compaction. */
export interface CompactionMemory {
  /** Epoch ms before which no automatic compaction is tried (after a failure). */
  notBefore: number;
}

/**
 * True when `compactIfNeeded` would compact `session` now: its context passes `policy.maxTokens`
 * and no failure holds tries back. A read of what is new since the resident context's last seq at
 * most; writes nothing, so it may run before the lease is taken.
 */
export async function compactionDue(
  deps: EngineDeps,
  policy: AutoCompaction,
  context: ResidentContext,
  memory: CompactionMemory,
  session: SessionRecord,
): Promise<boolean> {
  if (policy.maxTokens === null || Date.now() < memory.notBefore) return false;
  await context.load(deps.store, session);
  return context.tokens(session) > policy.maxTokens;
}

/**
 * Compacts the session under `lease` when its context passes `policy.maxTokens`, and returns the
 * session as it is afterwards. The check costs no read of the history: the size comes from the
 * resident context (the provider's last reported usage plus estimates of what came since). Only a
 * compaction itself reads the context whole. A failure never fails the turn: it is recorded as an
 * `error` event (`unavailable`, "compaction failed: …"), reported to `onFailure`, and the turn runs
 * on the uncompacted history; the next try waits `retryAfterMs`, so a broken summary model does not
 * cost every turn a whole read and a model call.
 */
export async function compactIfNeeded(
  deps: EngineDeps,
  policy: AutoCompaction,
  context: ResidentContext,
  memory: CompactionMemory,
  session: SessionRecord,
  lease: Lease,
): Promise<SessionRecord> {
  if (!(await compactionDue(deps, policy, context, memory, session))) return session;
  const startedAt = performance.now();
  const elapsed = () => Math.round(performance.now() - startedAt);
  try {
    const model = await deps.resolveModel(compactionModel(deps, policy, session));
    const result = await compactSession({
      store: deps.store,
      sessionId: session.id,
      lease,
      model,
      keepTail: policy.keepTail,
    });
    if (!result.compacted) return session;
    policy.onCompacted?.(session, elapsed());
  } catch (error) {
    memory.notBefore = Date.now() + (policy.retryAfterMs ?? 60_000);
    const message = `compaction failed: ${error instanceof Error ? error.message : String(error)}`;
    await deps.store
      .appendEvents({
        sessionId: session.id,
        lease,
        events: [{ type: 'error', turn: session.turnCount, data: { code: 'unavailable', message } }],
      })
      .catch(() => undefined);
    policy.onFailure?.(session, message, elapsed());
  }
  return (await deps.store.getSession(session.id)) ?? session;
}

function compactionModel(deps: EngineDeps, policy: AutoCompaction, session: SessionRecord): ModelReference {
  if (policy.model) return policy.model;
  const logic = deps.logicFor(session);
  if (logic.kind === 'agent') return logic.model;
  const name = session.model ?? policy.defaultModel;
  if (!name) throw new Error(`no model to summarise with: flow ${logic.name} has none and the session names none`);
  return name;
}
