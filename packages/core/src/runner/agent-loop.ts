import type { LanguageModelV3, LanguageModelV3FunctionTool } from '@ai-sdk/provider';
import type { EventDataMap, SessionEvent, StopReason, Usage } from '../model/event.js';
import type { JsonValue } from '../model/json.js';
import type { ClientToolDefinition } from '../model/session.js';
import { observe, type RuntimeObserver } from '../telemetry/observer.js';
import { traceModelCall } from '../telemetry/tracing.js';
import { type AgentDefinition, approvalPolicyFor } from './agent.js';
import { addUsage, type ModelStepOptions, runModelStep, type StepToolCall } from './model-step.js';
import { buildPrompt, type ResolvedFile } from './prompt.js';
import type { ProviderFailure, ProviderRetrySettings } from './provider-failure.js';
import { runTool } from './tool-runner.js';
import { toolInputJsonSchema } from './tool-schema.js';
import { nextTurnMessageId } from './turn-message-id.js';
import type { TurnWriter } from './turn-writer.js';

/** A tool call the turn waits on: a client-side execution or a person's approval. */
export interface PendingCall {
  toolCallId: string;
  toolName: string;
  input: JsonValue;
  kind: 'client' | 'approval';
}

/** How the agent loop ended. */
export interface LoopOutcome {
  stopReason: StopReason;
  usage: Usage | null;
  pending: PendingCall[];
  /** The provider's input tokens of the last model call, and the last seq its prompt covered. */
  lastCall?: { inputTokens: number; promptSeq: number };
  /** The last assistant message, not yet written: the turn end writes it in the same append. */
  finalMessage?: EventDataMap['message'];
}

/** Everything one run of the loop needs. */
export interface AgentLoopState {
  agent: AgentDefinition;
  model: LanguageModelV3;
  writer: TurnWriter;
  signal: AbortSignal;
  /** Why the signal fired: `aborted` (stop) or `timeout`. */
  abortReason: () => StopReason;
  summary: string | null;
  /**
   * The visible history before this loop's writes (the writer's own events are added to it). Only
   * the prompt is built from it, so it may hold just the `PROMPT_EVENT_TYPES`.
   */
  history: SessionEvent[];
  files: ReadonlyMap<string, ResolvedFile>;
  clientTools: ClientToolDefinition[];
  /** Tools approved for the whole session. */
  approvedTools: ReadonlySet<string>;
  /** Retries of model calls that failed before any output. */
  providerRetry?: ProviderRetrySettings;
  /** When the turn times out (epoch ms), if it does. */
  deadline?: number;
  /** Told of every failed model call (see {@link ProviderErrorReport}). */
  onProviderError?: (report: ProviderErrorReport) => void;
  /** Told of provider failures. */
  observer?: RuntimeObserver;
}

/** A failed model call, as the runtime reports it to its `onProviderError` hook. */
export interface ProviderErrorReport {
  sessionId: string;
  turn: number;
  /** `<provider>:<modelId>` of the model called. */
  model: string;
  /** 1 for the first call of the step, 2 for its first retry, … */
  attempt: number;
  /** True when the call is tried again after a backoff; false when the turn ends with an `error`. */
  willRetry: boolean;
  failure: ProviderFailure;
  error: unknown;
}

/** The tool list a model sees: the agent's server tools and the session's client tools. */
export function modelTools(agent: AgentDefinition, clientTools: ClientToolDefinition[]): LanguageModelV3FunctionTool[] {
  const tools: LanguageModelV3FunctionTool[] = Object.entries(agent.tools).map(([name, definition]) => ({
    type: 'function',
    name,
    description: definition.description,
    inputSchema: toolInputJsonSchema(`tool "${name}"`, definition.inputSchema),
  }));
  for (const client of clientTools) {
    if (agent.tools[client.name]) continue;
    tools.push({
      type: 'function',
      name: client.name,
      description: client.description,
      inputSchema: client.inputSchema,
    });
  }
  return tools;
}

/**
 * Runs tool calls that need nothing from outside: each result is persisted as it completes, so a
 * crash never loses a finished result and a recorded result is never run again.
 */
export async function executeServerCalls(state: AgentLoopState, calls: StepToolCall[]): Promise<void> {
  await Promise.all(
    calls.map(async (call) => {
      const outcome = await runTool(state.agent.tools[call.toolName], call, {
        sessionId: state.writer.session.id,
        signal: state.signal,
      });
      await state.writer.append([
        { type: 'tool-result', data: { toolCallId: call.toolCallId, toolName: call.toolName, ...outcome } },
      ]);
    }),
  );
}

/**
 * The prompt-backed agent loop: call the model with the history, persist what it produces, run
 * server tools, and repeat until the model stops, a call needs approval or the client, the signal
 * fires, or `maxSteps` is reached (`length`).
 */
export async function runAgentLoop(state: AgentLoopState): Promise<LoopOutcome> {
  const { agent, writer } = state;
  const clientNames = new Set(state.clientTools.map((entry) => entry.name));
  const tools = modelTools(agent, state.clientTools);
  let usage: Usage | null = null;
  const base = state.history;
  const alreadyWritten = writer.written.length;

  let lastCall: LoopOutcome['lastCall'];
  const finish = (outcome: Omit<LoopOutcome, 'lastCall'>): LoopOutcome =>
    lastCall ? { ...outcome, lastCall } : outcome;
  for (let step = 0; step < agent.maxSteps; step++) {
    const history = [...base, ...writer.written.slice(alreadyWritten)];
    const promptSeq = writer.lastSeq;
    const result = await tracedModelStep({
      model: state.model,
      prompt: buildPrompt({ system: agent.system, summary: state.summary, events: history, files: state.files }),
      tools,
      signal: state.signal,
      writer,
      temperature: agent.temperature,
      maxOutputTokens: agent.maxOutputTokens,
      messageId: nextTurnMessageId(history, writer.turn),
      retry: state.providerRetry,
      deadline: state.deadline,
      onFailure: state.onProviderError
        ? (report) =>
            state.onProviderError?.({
              ...report,
              sessionId: writer.session.id,
              turn: writer.turn,
              model: `${state.model.provider}:${state.model.modelId}`,
            })
        : undefined,
      classifyToolCall: async (call) => {
        const definition = agent.tools[call.toolName];
        if (!definition?.execute && (clientNames.has(call.toolName) || definition)) {
          return { executor: 'client', needsApproval: false };
        }
        if (state.approvedTools.has(call.toolName)) return { executor: 'server', needsApproval: false };
        const policy = approvalPolicyFor(agent, call.toolName);
        const needsApproval =
          policy === 'always' ||
          (typeof policy === 'function' && (await policy({ ...call, sessionId: writer.session.id })));
        return { executor: 'server', needsApproval };
      },
    });
    usage = addUsage(usage, result.usage);
    // Compaction estimates start from what the provider counted for the latest prompt, not the sum.
    if (result.usage) lastCall = { inputTokens: result.usage.inputTokens, promptSeq };
    if (result.finishReason === 'aborted') {
      await closeUnansweredCalls(state, result.toolCalls, 'the turn was stopped before this tool ran');
      return finish({ stopReason: state.abortReason(), usage, pending: [] });
    }
    if (result.finishReason === 'error') {
      await closeUnansweredCalls(state, result.toolCalls, 'the model call failed');
      const failure = result.failure;
      const status = failure?.status ? ` (status ${failure.status})` : '';
      const message = failure?.message ?? (result.error instanceof Error ? result.error.message : String(result.error));
      observe(state.observer, {
        type: 'model.failed',
        sessionId: writer.session.id,
        turn: writer.turn,
        model: `${state.model.provider}:${state.model.modelId}`,
        message,
      });
      await writer.append([
        { type: 'error', data: { code: failure?.code ?? 'unavailable', message: `model error${status}: ${message}` } },
      ]);
      return finish({ stopReason: 'error', usage, pending: [] });
    }
    if (result.toolCalls.length === 0) {
      const stopReason = result.finishReason === 'length' ? 'length' : 'stop';
      return finish({
        stopReason,
        usage,
        pending: [],
        ...(result.finalMessage && { finalMessage: result.finalMessage }),
      });
    }
    const pending: PendingCall[] = [];
    const approvalRequests = result.toolCalls.filter((call) => call.executor === 'server' && call.needsApproval);
    for (const call of result.toolCalls) {
      if (call.executor === 'client') pending.push({ ...pick(call), kind: 'client' });
      else if (call.needsApproval) pending.push({ ...pick(call), kind: 'approval' });
    }
    if (approvalRequests.length) {
      await writer.append(
        approvalRequests.map((call) => ({ type: 'tool-approval-request' as const, data: pick(call) })),
      );
    }
    await executeServerCalls(
      state,
      result.toolCalls.filter((call) => call.executor === 'server' && !call.needsApproval),
    );
    if (state.signal.aborted) return finish({ stopReason: state.abortReason(), usage, pending: [] });
    if (pending.length) return finish({ stopReason: 'interrupted', usage, pending });
  }
  return finish({ stopReason: 'length', usage, pending: [] });
}

/** One model step under a `chat <model>` span. */
function tracedModelStep(options: ModelStepOptions) {
  return traceModelCall(options.model, options, () => runModelStep(options));
}

function pick(call: StepToolCall): { toolCallId: string; toolName: string; input: JsonValue } {
  return { toolCallId: call.toolCallId, toolName: call.toolName, input: call.input };
}

/** Records an error result for calls that will not run, keeping every call paired with a result. */
async function closeUnansweredCalls(state: AgentLoopState, calls: StepToolCall[], reason: string): Promise<void> {
  if (!calls.length) return;
  await state.writer.append(
    calls.map((call) => ({
      type: 'tool-result' as const,
      data: { toolCallId: call.toolCallId, toolName: call.toolName, output: { error: reason }, isError: true },
    })),
  );
}
