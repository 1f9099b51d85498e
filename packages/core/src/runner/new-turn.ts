import type { LanguageModelV3 } from '@ai-sdk/provider';
import { ConfabError } from '../errors.js';
import type { TurnStartExtras } from '../model/event.js';
import type { QueuedInput } from '../model/records.js';
import type { SessionRecord } from '../model/session.js';
import { observe } from '../telemetry/observer.js';
import { traceTurn } from '../telemetry/tracing.js';
import { deriveTitle } from '../util/title.js';
import { type ActiveTurn, readRuntime, withRuntime } from './runtime-state.js';
import {
  type EngineDeps,
  finishTurn,
  modelName,
  resolveTurnModel,
  runLogic,
  type TurnExecution,
  type TurnResult,
} from './turn-engine.js';
import { readTurnResult } from './turn-result.js';
import { TurnWriter } from './turn-writer.js';

/**
 * The inputs a new turn consumes: `claimed` ones, already in the queue under this turn's claim, or
 * `fresh` ones, queued by the turn's first append itself (a store with `CommitFolding` only).
 */
export type TurnInputs = { claimed: QueuedInput[] } | { fresh: QueuedInput[] };

/** A turn whose `turn-start` and inputs are durable, ready for its logic. */
export interface StartedTurn {
  writer: TurnWriter;
  active: ActiveTurn;
  inputs: QueuedInput[];
  /** The model resolved before anything was written (null for flows). */
  resolved: LanguageModelV3 | null;
  startedAt: number;
}

/** Options of a new turn. */
export interface NewTurnOptions {
  /** The turn's model name, when the call names one. */
  model?: string;
  /** The model `resolveTurnModel` answered for this turn (null for a flow); absent: resolved here. */
  resolved?: LanguageModelV3 | null;
  turnStart?: TurnStartExtras;
}

/**
 * Writes a new turn's `turn-start` and `input` events in one append that also consumes the inputs
 * (marks claimed ones consumed, or queues fresh ones as consumed): once it resolves, the input is
 * durable and will never be taken by another turn, and the model has not been called yet. When it
 * fails, nothing of the turn was written.
 */
export async function startTurn(
  deps: EngineDeps,
  execution: TurnExecution,
  session: SessionRecord,
  turnInputs: TurnInputs,
  options: NewTurnOptions = {},
): Promise<StartedTurn> {
  const startedAt = performance.now();
  // The runner resolved it already to refuse an unknown model before queueing: not again.
  const resolved =
    options.resolved !== undefined ? options.resolved : await resolveTurnModel(deps, session, options.model);
  const inputs = 'claimed' in turnInputs ? turnInputs.claimed : turnInputs.fresh;
  const index = session.turnCount + 1;
  const chosen = options.model ?? session.model;
  const model = chosen ?? modelName(deps.logicFor(session));
  const inputIds = inputs.map((input) => input.id);
  const active: ActiveTurn = {
    index,
    phase: 'running',
    inputIds,
    startSeq: session.lastSeq + 1,
    model,
    modelFromLogic: deps.useLogicModel === true || !chosen,
    pending: [],
  };
  const writer = new TurnWriter(deps.store, execution.keeper, session, index, execution.emit);
  const now = new Date().toISOString();
  const title = session.title ?? (session.turnCount === 0 && inputs[0] ? deriveTitle(inputs[0].text) : null);
  const events = [
    { type: 'turn-start' as const, data: { inputIds, inputCount: inputs.length, model, ...options.turnStart } },
    ...inputs.map((input) => ({
      type: 'input' as const,
      data: { inputId: input.id, text: input.text, ...(input.files.length ? { files: input.files } : {}) },
    })),
  ];
  const update = { turnCount: index, lastTurnAt: now, title, runtime: withRuntime(session, { turn: active }) };
  if ('claimed' in turnInputs) {
    await writer.append(events, { consumeInputIds: inputIds, update });
    execution.unconsumedClaims = false;
  } else {
    const store = deps.store;
    const newInputs = inputs.map(({ id, text, files, idempotencyKey }) => ({ id, text, files, idempotencyKey }));
    await writer.append(events, { update }, (request) => store.appendFolded({ ...request, newInputs }));
  }
  deps.hooks?.turnStarted?.(writer.session, index);
  observe(deps.observer, { type: 'turn.started', sessionId: session.id, appId: session.appId, turn: index });
  return { writer, active, inputs, resolved, startedAt };
}

/** Runs a started turn's logic and writes its `turn-end`, the turn's last write (it releases the lease). */
export async function continueTurn(
  deps: EngineDeps,
  execution: TurnExecution,
  started: StartedTurn,
): Promise<TurnResult> {
  const { writer, active, inputs, resolved, startedAt } = started;
  try {
    const outcome = await runLogic(deps, execution, writer, active, inputs, resolved);
    return await finishTurn(deps, writer, active, outcome, startedAt, { releaseLease: true });
  } catch (error) {
    return closeAfterStoreFailure(deps, execution, started, error);
  }
}

/**
 * A started turn whose store failed (`unavailable`: a full disk, a lost database) is answered by
 * what the log holds, never by a bare 503 for a turn that was written: when the failed append did
 * commit the turn's end (an answer lost on the way back), the turn as logged; when the turn is still
 * open, it is closed here, while this process holds its lease, by one append of an `error`
 * (`unavailable`, naming the store failure) and its `turn-end`. Only when even that cannot be
 * written does the failure propagate (503); the next holder of the session then closes the turn
 * on recovery. Anything else than a store failure propagates as it is.
 */
async function closeAfterStoreFailure(
  deps: EngineDeps,
  execution: TurnExecution,
  started: StartedTurn,
  failure: unknown,
): Promise<TurnResult> {
  if (!ConfabError.isInstance(failure, 'unavailable')) throw failure;
  const { active, startedAt } = started;
  const sessionId = started.writer.session.id;
  try {
    const current = await deps.store.getSession(sessionId);
    if (!current) throw failure;
    const open = readRuntime(current).turn;
    if (open?.index !== active.index) {
      const input = await deps.store.getInput(sessionId, active.inputIds[0] ?? '');
      if (!input) throw failure;
      return await readTurnResult(deps.store, sessionId, input);
    }
    const writer = new TurnWriter(deps.store, execution.keeper, current, active.index, execution.emit);
    const message = `the store failed during the turn: ${failure.message}`;
    return await finishTurn(deps, writer, open, { stopReason: 'error', usage: null, pending: [] }, startedAt, {
      releaseLease: true,
      closing: [{ type: 'error', data: { code: 'unavailable', message } }],
    });
  } catch {
    throw failure;
  }
}

/**
 * Starts a turn for `inputs` and runs it to its end (see {@link startTurn} for the durability
 * order), under an `invoke_agent` span.
 */
export async function runNewTurn(
  deps: EngineDeps,
  execution: TurnExecution,
  session: SessionRecord,
  inputs: TurnInputs,
  options: NewTurnOptions = {},
): Promise<TurnResult> {
  const span = { agentName: deps.logicFor(session).name, sessionId: session.id, appId: session.appId };
  return traceTurn({ ...span, segment: 'new' }, async () =>
    continueTurn(deps, execution, await startTurn(deps, execution, session, inputs, options)),
  );
}
