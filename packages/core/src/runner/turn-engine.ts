import type { LanguageModelV3 } from '@ai-sdk/provider';
import { ConfabError, errors } from '../errors.js';
import type { SessionEvent, StopReason, Usage } from '../model/event.js';
import type { QueuedInput } from '../model/records.js';
import type { SessionRecord } from '../model/session.js';
import type { SessionContext } from '../store/port/session-context.js';
import type { SessionStore } from '../store/port/session-store.js';
import { observe, type RuntimeObserver } from '../telemetry/observer.js';
import { newId } from '../util/ids.js';
import type { ModelReference, TurnLogic } from './agent.js';
import { type LoopOutcome, type ProviderErrorReport, runAgentLoop } from './agent-loop.js';
import { readConversationContext } from './conversation-context.js';
import type { LeaseKeeper } from './lease-keeper.js';
import { PROMPT_EVENT_TYPES, type ResolvedFile } from './prompt.js';
import type { ProviderRetrySettings } from './provider-failure.js';
import { type ActiveTurn, readRuntime, withRuntime } from './runtime-state.js';
import { createTurnContext } from './turn-context-impl.js';
import type { StreamEvent, TurnEventInput, TurnWriter } from './turn-writer.js';

/** Decides whether a turn end takes a snapshot; return false to veto. */
export type SnapshotFilter = (info: { session: SessionRecord; turn: number; stopReason: StopReason }) => boolean;

/** Callbacks fired after the matching event is durable. */
export interface TurnHooks {
  turnStarted?: (session: SessionRecord, turn: number) => void;
  /** `error` is the turn's last `error` event's data, when it wrote one (a failed model call, …). */
  turnEnded?: (
    session: SessionRecord,
    turnEnd: Extract<SessionEvent, { type: 'turn-end' }>,
    error?: { code: string; message: string },
  ) => void;
}

/** What the engine needs from its runner. */
export interface EngineDeps {
  store: SessionStore;
  logicFor: (session: SessionRecord) => TurnLogic;
  resolveModel: (reference: ModelReference) => Promise<LanguageModelV3>;
  snapshotFilter?: SnapshotFilter;
  hooks?: TurnHooks;
  /** When true, turns run the logic's own model; model names only label the turn. */
  useLogicModel?: boolean;
  /**
   * The prompt material of `session` (its latest compaction and the {@link PROMPT_EVENT_TYPES}
   * events after it). Default: `store.readContext` with those types; a session runner passes its
   * resident copy, which reads only what was written since its last turn.
   */
  loadContext?: (session: SessionRecord) => Promise<SessionContext>;
  /** Retries of model calls that failed before any output. */
  providerRetry?: ProviderRetrySettings;
  /** Told of every failed model call, retried or not. */
  onProviderError?: (report: ProviderErrorReport) => void;
  /** Told of turn starts and ends, provider failures, takeovers and recoveries (for logs). */
  observer?: RuntimeObserver;
}

/** One turn (or resumed turn segment) in flight. */
export interface TurnExecution {
  keeper: LeaseKeeper;
  /**
   * Aborted by stop (`reason: 'aborted'`), the turn timeout (`reason: 'timeout'`) or a lost lease
   * (any other reason).
   */
  controller: AbortController;
  emit: (event: StreamEvent) => void;
  /**
   * True while inputs claimed for this execution may not be consumed yet: they go back to the
   * queue before the lease is released.
   */
  unconsumedClaims: boolean;
  /** When the turn's timeout fires (epoch ms), if it has one: retries never wait past it. */
  deadline?: number;
}

/** The outcome of a turn, as `POST …/turns` answers it. */
export interface TurnResult {
  index: number;
  inputCount: number;
  inputIds: string[];
  /** The whole turn's persisted events, from its `turn-start`. */
  events: SessionEvent[];
  stopReason: StopReason;
  snapshotId: string | null;
  usage: Usage | null;
  durationMs: number;
}

/** The turn's signal and why it fired: stop → `aborted`, timeout → `timeout`, a lost lease → `error`. */
export function signalFor(execution: TurnExecution): { signal: AbortSignal; abortReason: () => StopReason } {
  const signal = execution.controller.signal;
  return {
    signal,
    abortReason: () => {
      if (signal.reason === 'timeout') return 'timeout';
      return signal.reason === 'aborted' ? 'aborted' : 'error';
    },
  };
}

/** Every event of the turn starting at `startSeq`, through the session's head. */
export async function readTurnEvents(
  store: SessionStore,
  sessionId: string,
  startSeq: number,
): Promise<SessionEvent[]> {
  const events: SessionEvent[] = [];
  let after = startSeq - 1;
  for (;;) {
    const page = await store.readEvents(sessionId, { after, limit: 1000 });
    events.push(...page.events);
    if (page.nextAfter === null) return events;
    after = page.nextAfter;
  }
}

/**
 * The bytes of the files the current turn's inputs attach. Files of earlier turns are not read
 * again: a conversation with many large uploads would otherwise hold them all in memory and
 * re-read them on every later turn. The prompt leaves them out, as it does files that expired.
 */
async function resolveFiles(store: SessionStore, session: SessionRecord, events: SessionEvent[]) {
  const files = new Map<string, ResolvedFile>();
  let currentTurn = 0;
  for (const event of events) if (event.type === 'input' && event.turn > currentTurn) currentTurn = event.turn;
  for (const event of events) {
    if (event.type !== 'input' || event.turn !== currentTurn) continue;
    for (const token of event.data.files ?? []) {
      if (files.has(token)) continue;
      const found = await store.getFile(session.appId, token);
      if (found) files.set(token, { mediaType: found.file.mediaType, data: found.data, name: found.file.name });
    }
  }
  return files;
}

/** How a turn reports the model of its logic when no model name was chosen for it. */
export function modelName(logic: TurnLogic): string {
  if (logic.kind === 'flow') return `flow:${logic.name}`;
  return typeof logic.model === 'string' ? logic.model : `${logic.model.provider}:${logic.model.modelId}`;
}

/**
 * The model a new turn of `session` runs, resolved before anything is written so that an unknown
 * model name fails the request (`invalid_argument`) instead of leaving a started turn behind.
 * Null for flows, which call no model themselves.
 */
export async function resolveTurnModel(
  deps: EngineDeps,
  session: SessionRecord,
  requested?: string,
): Promise<LanguageModelV3 | null> {
  const logic = deps.logicFor(session);
  if (logic.kind === 'flow') return null;
  const chosen = deps.useLogicModel ? null : (requested ?? session.model);
  return deps.resolveModel(chosen ?? logic.model);
}

/** Runs the session's logic (agent loop or flow) for the current segment of a turn. */
export async function runLogic(
  deps: EngineDeps,
  execution: TurnExecution,
  writer: TurnWriter,
  active: ActiveTurn,
  inputs: QueuedInput[],
  resolved?: LanguageModelV3 | null,
): Promise<LoopOutcome> {
  const session = writer.session;
  const logic = deps.logicFor(session);
  const { signal, abortReason } = signalFor(execution);
  if (logic.kind === 'flow') {
    const context = createTurnContext({
      store: deps.store,
      writer,
      session,
      inputs: inputs.map((input) => ({ inputId: input.id, text: input.text, files: input.files })),
      signal,
    });
    try {
      const outcome = await logic.run(context);
      if (signal.aborted) return { stopReason: abortReason(), usage: outcome?.usage ?? null, pending: [] };
      return { stopReason: outcome?.stopReason ?? 'stop', usage: outcome?.usage ?? null, pending: [] };
    } catch (error) {
      if (signal.aborted) return { stopReason: abortReason(), usage: null, pending: [] };
      const message = error instanceof Error ? error.message : String(error);
      await writer.append([{ type: 'error', data: { code: 'internal', message: `flow failed: ${message}` } }]);
      return { stopReason: 'error', usage: null, pending: [] };
    }
  }
  // Only what the prompt is built from (inputs, with their files, and the conversation): turn
  // boundaries, approvals and other bookkeeping would be read and parsed only to be skipped.
  // Pending calls, approvals and interrupted turns come from the session's runtime state.
  const context = deps.loadContext
    ? await deps.loadContext(session)
    : await readConversationContext(deps.store, session.id, { types: PROMPT_EVENT_TYPES });
  const model = resolved ?? (await deps.resolveModel(active.modelFromLogic ? logic.model : active.model));
  try {
    return await runAgentLoop({
      observer: deps.observer,
      agent: logic,
      model,
      writer,
      signal,
      abortReason,
      summary: context.compaction?.data.summary ?? null,
      history: context.events,
      files: await resolveFiles(deps.store, session, context.events),
      clientTools: session.tools,
      approvedTools: new Set(readRuntime(session).approvedTools),
      providerRetry: deps.providerRetry,
      deadline: execution.deadline,
      onProviderError: deps.onProviderError,
    });
  } catch (error) {
    // The store's failures (a lost lease, an unavailable store) end the attempt and recovery closes
    // the turn; anything else thrown inside the loop (a tool whose schema cannot be used, a model
    // adapter that throws) closes the turn here, so no turn-start is left without its turn-end.
    const storeFailure = error instanceof ConfabError && error.code !== 'invalid_argument';
    if (storeFailure) throw error;
    if (signal.aborted) return { stopReason: abortReason(), usage: null, pending: [] };
    const code = error instanceof ConfabError ? error.code : 'internal';
    const message = error instanceof Error ? error.message : String(error);
    await writer.append([{ type: 'error', data: { code, message: `agent failed: ${message}` } }]);
    return { stopReason: 'error', usage: null, pending: [] };
  }
}

/**
 * Writes the `turn-end` (with its snapshot unless vetoed) and the runtime state that follows it.
 * With `releaseLease` (the caller writes nothing after it) and a store with `CommitFolding`, the
 * same append releases the turn's lease.
 */
export async function finishTurn(
  deps: EngineDeps,
  writer: TurnWriter,
  active: ActiveTurn,
  outcome: LoopOutcome,
  startedAt: number,
  options: { releaseLease?: boolean; closing?: TurnEventInput[] } = {},
): Promise<TurnResult> {
  const session = writer.session;
  const interrupted = outcome.stopReason === 'interrupted' && outcome.pending.length > 0;
  const keep = deps.snapshotFilter?.({ session, turn: active.index, stopReason: outcome.stopReason }) ?? true;
  const snapshotId = keep ? newId('snap') : null;
  const durationMs = Math.max(0, Math.round(performance.now() - startedAt));
  const runtime = readRuntime(session);
  // A final message nothing followed is written with the turn end: one commit, still streamed first.
  const finalMessage: TurnEventInput[] = outcome.finalMessage ? [{ type: 'message', data: outcome.finalMessage }] : [];
  const store = deps.store;
  const releasing = options.releaseLease === true;
  // `closing` (the error that ends a failed turn) shares the turn end's append: both or neither,
  // so a retried close never writes the error twice.
  await writer.append(
    [
      ...(options.closing ?? []),
      ...finalMessage,
      {
        type: 'turn-end',
        data: {
          snapshotId,
          inputCount: active.inputIds.length,
          inputIds: active.inputIds,
          stopReason: outcome.stopReason,
          usage: outcome.usage,
          durationMs,
        },
      },
    ],
    {
      snapshot: snapshotId ? { id: snapshotId } : undefined,
      update: {
        pendingInterrupt: interrupted,
        runtime: withRuntime(session, {
          turn: interrupted ? { ...active, phase: 'interrupted', pending: outcome.pending } : null,
          lastInputTokens: outcome.lastCall?.inputTokens ?? runtime.lastInputTokens,
          lastInputTokensSeq: outcome.lastCall?.promptSeq ?? runtime.lastInputTokensSeq,
        }),
      },
    },
    releasing ? (request) => store.appendFolded({ ...request, releaseLease: true }) : undefined,
  );
  if (releasing) writer.keeper.markReleased();
  const turnEnd = writer.written[writer.written.length - 1] as Extract<SessionEvent, { type: 'turn-end' }>;
  const failure = writer.written.findLast((event) => event.type === 'error');
  deps.hooks?.turnEnded?.(writer.session, turnEnd, failure?.type === 'error' ? failure.data : undefined);
  observe(deps.observer, {
    type: 'turn.ended',
    sessionId: session.id,
    appId: session.appId,
    turn: active.index,
    stopReason: outcome.stopReason,
    durationMs,
    usage: outcome.usage,
  });
  return {
    index: active.index,
    inputCount: active.inputIds.length,
    inputIds: active.inputIds,
    // A turn written by this writer alone is all in memory; a resumed one started earlier.
    events:
      writer.written[0]?.seq === active.startSeq
        ? [...writer.written]
        : await readTurnEvents(deps.store, session.id, active.startSeq),
    stopReason: outcome.stopReason,
    snapshotId,
    usage: outcome.usage,
    durationMs,
  };
}

/** Answers to a turn's pending calls. */
export interface ResumeAnswers {
  toolResults?: Array<{ toolCallId: string; output: unknown; isError?: boolean }>;
  approvals?: Array<{ toolCallId: string; approved: boolean; scope?: 'once' | 'session' }>;
}

/** Checks answers against the pending calls before anything is written (DESIGN §6.1 resume errors). */
export function validateAnswers(session: SessionRecord, answers: ResumeAnswers): ActiveTurn {
  const active = readRuntime(session).turn;
  if (!session.pendingInterrupt || !active || active.phase !== 'interrupted') {
    throw errors.failedPrecondition(`session ${session.id} has no pending tool call or approval`);
  }
  const seen = new Set<string>();
  const check = (toolCallId: string, kind: 'client' | 'approval') => {
    const call = active.pending.find((entry) => entry.toolCallId === toolCallId);
    if (!call || seen.has(toolCallId)) {
      throw errors.invalidArgument(`tool call ${toolCallId} is unknown or already answered`);
    }
    if (call.kind !== kind) {
      throw errors.invalidArgument(
        `tool call ${toolCallId} needs ${call.kind === 'client' ? 'a tool result' : 'an approval'}`,
      );
    }
    seen.add(toolCallId);
  };
  for (const result of answers.toolResults ?? []) check(result.toolCallId, 'client');
  for (const approval of answers.approvals ?? []) check(approval.toolCallId, 'approval');
  if (seen.size === 0) throw errors.invalidArgument('a resume needs at least one tool result or approval');
  return active;
}
