import { ConfabError } from '../errors.js';
import type { TurnStartExtras } from '../model/event.js';
import type { Lease, NewInput } from '../model/records.js';
import { replaceUnstorableText } from '../store/kit/storable-text.js';
import { traceTurn } from '../telemetry/tracing.js';
import type { BackgroundCompaction } from './auto-compaction.js';
import { announceStart, continueTurn, planTurnStart, type StartedTurn } from './new-turn.js';
import { freshInput } from './run-inputs.js';
import { readRuntime } from './runtime-state.js';
import type { EngineDeps, TurnExecution, TurnResult } from './turn-engine.js';
import { TurnWriter } from './turn-writer.js';

/** A new turn whose first append also acquired the session's lease (see {@link foldTurnStart}). */
export interface FoldedTurnStart {
  /** The lease the append acquired, held from now on. */
  lease: Lease;
  /** The started turn, once the execution holding `lease` exists: its first append emitted. */
  start(execution: TurnExecution): StartedTurn;
}

/** What {@link foldTurnStart} needs beyond the engine's dependencies. */
export interface FoldSettings {
  sessionId: string;
  owner: string;
  leaseTtlMs: number;
  /** The session's automatic compaction, if any: asked whether the turn may start right away. */
  compaction: BackgroundCompaction | null;
}

/**
 * Starts a new turn for a fresh `input` with the lease acquisition folded into the turn's first
 * append (`FoldedAppendRequest.acquireLease`): lease, `turn-start`, `input` and the queued input in
 * one commit, instead of a commit for the lease and one for the start. As with the unfolded path,
 * the input is durable before the model is called.
 *
 * It applies only when nothing has to happen under the lease before the turn: the session, read
 * without the lease, has no open turn, no pending interrupt, no context so far past the compaction
 * limit that the turn must wait for its summary, no compaction summary waiting to be written, no
 * earlier use of the input's idempotency key, and the lease is free with its previous holder ended
 * cleanly (the store checks that, and that the session's last seq is still the one read,
 * atomically with the write). Otherwise it returns null having written nothing, and the caller takes the lease
 * the usual way, which recovers, compacts or replays as needed. A store failure propagates.
 */
export async function foldTurnStart(
  deps: EngineDeps,
  settings: FoldSettings,
  input: NewInput,
  options: { model?: string; turnStart?: TurnStartExtras },
): Promise<FoldedTurnStart | null> {
  const { store } = deps;
  const session = await store.getSession(settings.sessionId);
  if (session?.status !== 'active' || session.pendingInterrupt || readRuntime(session).turn) return null;
  if (input.idempotencyKey && (await store.findInputByKey(session.id, input.idempotencyKey))) return null;
  if (settings.compaction && !(await settings.compaction.readyForTurn(session))) return null;
  let plan: Awaited<ReturnType<typeof planTurnStart>>;
  try {
    plan = await planTurnStart(deps, session, { fresh: [freshInput(session.id, input)] }, options);
  } catch {
    // An unknown model: the usual path fails the same way, under the lease, with nothing written.
    return null;
  }
  const index = plan.active.index;
  let result: Awaited<ReturnType<typeof store.appendFolded>>;
  try {
    result = await store.appendFolded({
      sessionId: session.id,
      // As the turn writer does: text no store can keep is replaced rather than failing the turn.
      events: plan.events.map((event) => ({ ...event, data: replaceUnstorableText(event.data), turn: index }) as never),
      update: replaceUnstorableText(plan.update),
      expectedLastSeq: session.lastSeq,
      newInputs: plan.newInputs,
      acquireLease: { owner: settings.owner, ttlMs: settings.leaseTtlMs },
    });
  } catch (error) {
    // The lease was taken or left expired, or the session moved on: nothing was written.
    if (ConfabError.isInstance(error, 'conflict')) return null;
    throw error;
  }
  const lease = result.lease;
  if (!lease) throw new ConfabError('internal', 'the store acquired no lease for a folded append');
  return {
    lease,
    start(execution) {
      const writer = new TurnWriter(store, execution.keeper, session, index, execution.emit);
      writer.adopt(result);
      return announceStart(deps, plan, writer);
    },
  };
}

/**
 * Runs a folded start's turn to its end under an `invoke_agent` span, as `runNewTurn` does for
 * one started the usual way (the span opens after the first append, which happened before the
 * execution existed).
 */
export function continueFoldedTurn(
  deps: EngineDeps,
  execution: TurnExecution,
  folded: FoldedTurnStart,
): Promise<TurnResult> {
  const started = folded.start(execution);
  const session = started.writer.session;
  const span = { agentName: deps.logicFor(session).name, sessionId: session.id, appId: session.appId };
  return traceTurn({ ...span, segment: 'new' }, () => continueTurn(deps, execution, started));
}
