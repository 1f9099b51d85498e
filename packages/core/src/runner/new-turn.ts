import type { LanguageModelV3 } from '@ai-sdk/provider';
import type { TurnStartExtras } from '../model/event.js';
import type { QueuedInput } from '../model/records.js';
import type { SessionPatch, SessionRecord } from '../model/session.js';
import type { AppendedInput } from '../store/port/commit-folding.js';
import { observe } from '../telemetry/observer.js';
import { traceTurn } from '../telemetry/tracing.js';
import { deriveTitle } from '../util/title.js';
import { closeAfterStoreFailure } from './close-after-store-failure.js';
import { type ActiveTurn, withRuntime } from './runtime-state.js';
import {
  type EngineDeps,
  finishTurn,
  modelName,
  resolveTurnModel,
  runLogic,
  type TurnExecution,
  type TurnResult,
} from './turn-engine.js';
import { type TurnEventInput, TurnWriter } from './turn-writer.js';

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
  const plan = await planTurnStart(deps, session, turnInputs, options);
  const writer = new TurnWriter(deps.store, execution.keeper, session, plan.active.index, execution.emit);
  const { events, update, newInputs } = plan;
  if ('claimed' in turnInputs) {
    await writer.append(events, { consumeInputIds: plan.active.inputIds, update });
    execution.unconsumedClaims = false;
  } else {
    const store = deps.store;
    await writer.append(events, { update }, (request) => store.appendFolded({ ...request, newInputs }));
  }
  return announceStart(deps, plan, writer);
}

/** What a new turn's first append writes, and what the turn keeps of it: decided before any write. */
export interface TurnStartPlan {
  /** The model resolved before anything was written (null for flows). */
  resolved: LanguageModelV3 | null;
  active: ActiveTurn;
  inputs: QueuedInput[];
  /** The `turn-start` and `input` events, without their turn index (the writer adds it). */
  events: TurnEventInput[];
  update: SessionPatch;
  /** The fresh inputs, as `appendFolded` queues them; empty for claimed ones. */
  newInputs: AppendedInput[];
  startedAt: number;
}

/**
 * Plans a new turn's start on `session` as last read: resolves the model (an unknown one fails
 * here, before anything is written) and builds the `turn-start` and `input` events and the
 * session update of its first append.
 */
export async function planTurnStart(
  deps: EngineDeps,
  session: SessionRecord,
  turnInputs: TurnInputs,
  options: NewTurnOptions = {},
): Promise<TurnStartPlan> {
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
  const now = new Date().toISOString();
  const title = session.title ?? (session.turnCount === 0 && inputs[0] ? deriveTitle(inputs[0].text) : null);
  const events: TurnEventInput[] = [
    { type: 'turn-start' as const, data: { inputIds, inputCount: inputs.length, model, ...options.turnStart } },
    ...inputs.map((input) => ({
      type: 'input' as const,
      data: { inputId: input.id, text: input.text, ...(input.files.length ? { files: input.files } : {}) },
    })),
  ];
  const update = { turnCount: index, lastTurnAt: now, title, runtime: withRuntime(session, { turn: active }) };
  const newInputs =
    'claimed' in turnInputs
      ? []
      : inputs.map(({ id, text, files, idempotencyKey }) => ({ id, text, files, idempotencyKey }));
  return { resolved, active, inputs, events, update, newInputs, startedAt };
}

/** Tells the hooks and the observer that a planned turn's first append is durable. */
export function announceStart(deps: EngineDeps, plan: TurnStartPlan, writer: TurnWriter): StartedTurn {
  const { active, inputs, resolved, startedAt } = plan;
  const session = writer.session;
  deps.hooks?.turnStarted?.(session, active.index);
  observe(deps.observer, { type: 'turn.started', sessionId: session.id, appId: session.appId, turn: active.index });
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
    return closeAfterStoreFailure(
      deps,
      execution,
      { sessionId: writer.session.id, active, startedAt, baseSeq: active.startSeq - 1 },
      error,
    );
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
