import type { SessionEvent } from '../model/event.js';
import type { JsonValue } from '../model/json.js';
import type { SessionRecord } from '../model/session.js';
import type { SessionStore } from '../store/port/session-store.js';
import { observe } from '../telemetry/observer.js';
import { traceTurn } from '../telemetry/tracing.js';
import type { LeaseKeeper } from './lease-keeper.js';
import { readRuntime, withRuntime } from './runtime-state.js';
import { runTool } from './tool-runner.js';
import {
  type EngineDeps,
  finishTurn,
  type ResumeAnswers,
  readTurnEvents,
  runLogic,
  type TurnExecution,
  type TurnResult,
  validateAnswers,
} from './turn-engine.js';
import { type StreamEvent, type TurnEventInput, TurnWriter } from './turn-writer.js';

const asJson = (value: unknown): JsonValue =>
  value === undefined ? null : (JSON.parse(JSON.stringify(value)) as JsonValue);

/**
 * Continues an interrupted turn with client tool results and approvals: records the answers (and a
 * denial result for each refused call) atomically, runs the approved calls, and either waits again
 * (some calls still pending) or lets the agent carry on to the turn's end. Answers are validated
 * before anything is written: nothing pending → `failed_precondition`; an unknown or already
 * answered call → `invalid_argument`. Traced as an `invoke_agent` span.
 */
export async function resumeTurn(
  deps: EngineDeps,
  execution: TurnExecution,
  session: SessionRecord,
  answers: ResumeAnswers,
): Promise<TurnResult> {
  const span = { agentName: deps.logicFor(session).name, sessionId: session.id, appId: session.appId };
  return traceTurn({ ...span, segment: 'resume' }, () => resumeSegment(deps, execution, session, answers));
}

async function resumeSegment(
  deps: EngineDeps,
  execution: TurnExecution,
  session: SessionRecord,
  answers: ResumeAnswers,
): Promise<TurnResult> {
  const startedAt = performance.now();
  const active = validateAnswers(session, answers);
  const writer = new TurnWriter(deps.store, execution.keeper, session, active.index, execution.emit);
  const byId = new Map(active.pending.map((call) => [call.toolCallId, call]));
  const answered = new Set<string>();
  const approvedTools = new Set(readRuntime(session).approvedTools);
  const events: TurnEventInput[] = [];
  const toRun = [];
  for (const approval of answers.approvals ?? []) {
    const call = byId.get(approval.toolCallId);
    if (!call) continue;
    answered.add(call.toolCallId);
    const scope = approval.scope ?? 'once';
    events.push({ type: 'tool-approval', data: { toolCallId: call.toolCallId, approved: approval.approved, scope } });
    if (approval.approved) {
      toRun.push(call);
      if (scope === 'session') approvedTools.add(call.toolName);
    } else {
      events.push({
        type: 'tool-result',
        data: {
          toolCallId: call.toolCallId,
          toolName: call.toolName,
          output: { error: 'the user denied this tool call' },
          isError: true,
        },
      });
    }
  }
  for (const result of answers.toolResults ?? []) {
    const call = byId.get(result.toolCallId);
    if (!call) continue;
    answered.add(call.toolCallId);
    events.push({
      type: 'tool-result',
      data: {
        toolCallId: call.toolCallId,
        toolName: call.toolName,
        output: asJson(result.output),
        isError: result.isError ?? false,
      },
    });
  }
  const remaining = active.pending.filter((call) => !answered.has(call.toolCallId));
  const running = { ...active, phase: 'running' as const, pending: remaining };
  await writer.append(events, {
    update: {
      pendingInterrupt: false,
      runtime: withRuntime(session, { turn: running, approvedTools: [...approvedTools] }),
    },
  });

  const logic = deps.logicFor(session);
  const signal = execution.controller.signal;
  await Promise.all(
    toRun.map(async (call) => {
      const definition = logic.kind === 'agent' ? logic.tools[call.toolName] : undefined;
      const outcome = await runTool(definition, call, { sessionId: session.id, signal });
      await writer.append([
        { type: 'tool-result', data: { toolCallId: call.toolCallId, toolName: call.toolName, ...outcome } },
      ]);
    }),
  );
  if (remaining.length) {
    const outcome = { stopReason: 'interrupted' as const, usage: null, pending: remaining };
    return finishTurn(deps, writer, running, outcome, startedAt, { releaseLease: true });
  }
  const outcome = await runLogic(deps, execution, writer, running, []);
  return finishTurn(deps, writer, running, outcome, startedAt, { releaseLease: true });
}

/**
 * Closes a turn left `running` by a process that died or lost its lease: every tool call without a
 * recorded result gets one (an idempotent server tool is run again; any other call gets an error
 * saying its outcome is unknown, so nothing runs twice), then an `error` event and a `turn-end`
 * with `stopReason: "error"`. Returns the session as it is afterwards; a no-op when no turn is running.
 */
export async function recoverTurn(
  deps: EngineDeps,
  keeper: LeaseKeeper,
  session: SessionRecord,
  emit: (event: StreamEvent) => void = () => undefined,
): Promise<SessionRecord> {
  const active = readRuntime(session).turn;
  if (active?.phase !== 'running') return session;
  const startedAt = performance.now();
  observe(deps.observer, { type: 'turn.recovered', sessionId: session.id, turn: active.index });
  const turnEvents = await readTurnEvents(deps.store, session.id, active.startSeq);
  const resulted = new Set(
    turnEvents.flatMap((event) => (event.type === 'tool-result' ? [event.data.toolCallId] : [])),
  );
  const approved = new Set(
    turnEvents.flatMap((event) =>
      event.type === 'tool-approval' && event.data.approved ? [event.data.toolCallId] : [],
    ),
  );
  const unanswered = turnEvents.filter(
    (event): event is Extract<SessionEvent, { type: 'tool-call' }> =>
      event.type === 'tool-call' && !resulted.has(event.data.toolCallId),
  );
  const writer = new TurnWriter(deps.store, keeper, session, active.index, emit);
  const logic = deps.logicFor(session);
  const controller = new AbortController();
  for (const { data: call } of unanswered) {
    const definition = logic.kind === 'agent' ? logic.tools[call.toolName] : undefined;
    const mayRun = call.executor === 'server' && (!call.needsApproval || approved.has(call.toolCallId));
    const outcome =
      mayRun && definition?.idempotent
        ? await runTool(definition, call, { sessionId: session.id, signal: controller.signal })
        : {
            output: { error: 'outcome unknown: the process running this turn stopped before the result was recorded' },
            isError: true,
          };
    await writer.append([
      { type: 'tool-result', data: { toolCallId: call.toolCallId, toolName: call.toolName, ...outcome } },
    ]);
  }
  // The holder is gone or its store failed before the turn's end was written; which one is not
  // known here, so the reason names both. The error and the turn-end are one append.
  const closing: TurnEventInput[] = [
    {
      type: 'error',
      data: {
        code: 'internal',
        message:
          'the turn was cut off before its end was written (its process stopped or its store failed); closed on recovery',
      },
    },
  ];
  await finishTurn(deps, writer, active, { stopReason: 'error', usage: null, pending: [] }, startedAt, { closing });
  return writer.session;
}

/**
 * A new turn supersedes calls an interrupted turn still waits on: each gets an error result, so
 * the conversation stays valid and the queue never blocks behind an unanswered approval.
 */
export async function closePendingInterrupt(
  store: SessionStore,
  execution: TurnExecution,
  session: SessionRecord,
): Promise<SessionRecord> {
  const active = readRuntime(session).turn;
  if (!session.pendingInterrupt || !active) return session;
  const result = await store.appendEvents({
    sessionId: session.id,
    lease: execution.keeper.lease,
    events: active.pending.map((call) => ({
      type: 'tool-result' as const,
      turn: active.index,
      data: {
        toolCallId: call.toolCallId,
        toolName: call.toolName,
        output: { error: 'no answer: a new turn started before this call was answered' },
        isError: true,
      },
    })),
    update: { pendingInterrupt: false, runtime: withRuntime(session, { turn: null }) },
  });
  for (const event of result.events) execution.emit(event);
  return result.session;
}
