import type { LanguageModelV3 } from '@ai-sdk/provider';
import { type Attributes, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { StopReason, Usage } from '../model/event.js';

/**
 * The runtime's tracer, from the global OpenTelemetry API: a no-op until the application registers
 * an SDK (then spans go wherever that SDK exports them). The ProxyTracer the API hands out before
 * registration follows a provider registered later, so taking it once at load time is safe.
 */
const tracer = trace.getTracer('confab');

/** What a turn span describes. */
export interface TurnSpanInfo {
  agentName: string;
  sessionId: string;
  appId: string;
  /** `new` for a turn that starts, `resume` for an interrupted turn that continues. */
  segment: 'new' | 'resume';
}

/** The part of a turn's result its span records. */
interface TurnOutcomeLike {
  index: number;
  stopReason: StopReason;
  usage: Usage | null;
}

/**
 * Runs one turn (or resumed segment) under an `invoke_agent <agent>` span (OpenTelemetry GenAI
 * semantic conventions), active for everything the turn does, so model calls and tool executions
 * become its children. A turn ending with `stopReason: "error"` or a throw marks the span as failed.
 */
export function traceTurn<Result extends TurnOutcomeLike>(
  info: TurnSpanInfo,
  run: () => Promise<Result>,
): Promise<Result> {
  const attributes: Attributes = {
    'gen_ai.operation.name': 'invoke_agent',
    'gen_ai.agent.name': info.agentName,
    'gen_ai.conversation.id': info.sessionId,
    'confab.app.id': info.appId,
    'confab.turn.segment': info.segment,
  };
  return inSpan(`invoke_agent ${info.agentName}`, SpanKind.INTERNAL, attributes, run, (span, result) => {
    span.setAttributes({ 'confab.turn.index': result.index, 'confab.turn.stop_reason': result.stopReason });
    setUsage(span, result.usage);
    if (result.stopReason === 'error') span.setStatus({ code: SpanStatusCode.ERROR, message: 'turn ended in error' });
  });
}

/** The part of a model step's result its span records. */
interface ModelCallOutcomeLike {
  finishReason: string;
  usage: Usage | null;
  error?: unknown;
}

/**
 * Runs one model call under a `chat <model>` span (kind CLIENT) with the request model, the usage
 * and the finish reason. A provider error returned in the result (not thrown) also fails the span.
 */
export function traceModelCall<Result extends ModelCallOutcomeLike>(
  model: LanguageModelV3,
  request: { temperature?: number; maxOutputTokens?: number },
  run: () => Promise<Result>,
): Promise<Result> {
  const attributes: Attributes = {
    'gen_ai.operation.name': 'chat',
    // The AI SDK names providers by API (`openai.chat`, `anthropic.messages`); the conventions by vendor.
    'gen_ai.provider.name': model.provider.split('.')[0] ?? model.provider,
    'gen_ai.request.model': model.modelId,
  };
  if (request.temperature !== undefined) attributes['gen_ai.request.temperature'] = request.temperature;
  if (request.maxOutputTokens !== undefined) attributes['gen_ai.request.max_tokens'] = request.maxOutputTokens;
  return inSpan(`chat ${model.modelId}`, SpanKind.CLIENT, attributes, run, (span, result) => {
    span.setAttribute('gen_ai.response.finish_reasons', [finishReasonName(result.finishReason)]);
    setUsage(span, result.usage);
    if (result.finishReason === 'error') failSpan(span, result.error);
  });
}

/**
 * Runs one server tool execution under an `execute_tool <tool>` span. The tool runner reports
 * failures as outcomes, so an outcome with `isError` fails the span.
 */
export function traceToolCall<Result extends { isError: boolean }>(
  call: { toolCallId: string; toolName: string },
  run: () => Promise<Result>,
): Promise<Result> {
  const attributes: Attributes = {
    'gen_ai.operation.name': 'execute_tool',
    'gen_ai.tool.name': call.toolName,
    'gen_ai.tool.call.id': call.toolCallId,
    'gen_ai.tool.type': 'function',
  };
  return inSpan(`execute_tool ${call.toolName}`, SpanKind.INTERNAL, attributes, run, (span, outcome) => {
    if (!outcome.isError) return;
    span.setAttribute('error.type', 'tool_error');
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'the tool call failed' });
  });
}

/**
 * The trace id of the span active now, or undefined when none is (no SDK registered, or work
 * started outside any trace): for log lines that should lead to the trace.
 */
export function activeTraceId(): string | undefined {
  const context = trace.getActiveSpan()?.spanContext();
  return context && trace.isSpanContextValid(context) ? context.traceId : undefined;
}

/**
 * Runs `run` as the active span `name`: `describe` records what the result says (only while the span
 * is recording, so it costs nothing without an SDK), a throw fails the span, and the span always ends.
 */
function inSpan<Result>(
  name: string,
  kind: SpanKind,
  attributes: Attributes,
  run: () => Promise<Result>,
  describe: (span: Span, result: Result) => void,
): Promise<Result> {
  return tracer.startActiveSpan(name, { kind, attributes }, async (span) => {
    try {
      const result = await run();
      if (span.isRecording()) describe(span, result);
      return result;
    } catch (error) {
      failSpan(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

function setUsage(span: Span, usage: Usage | null): void {
  if (!usage) return;
  span.setAttributes({
    'gen_ai.usage.input_tokens': usage.inputTokens,
    'gen_ai.usage.output_tokens': usage.outputTokens,
  });
}

/** The AI SDK's finish reasons as the conventions spell them (`tool_call`, `content_filter`). */
function finishReasonName(reason: string): string {
  if (reason === 'tool-calls') return 'tool_call';
  return reason.replaceAll('-', '_');
}

function failSpan(span: Span, error: unknown): void {
  if (!span.isRecording()) return;
  const message = error instanceof Error ? error.message : String(error);
  span.setAttribute('error.type', errorType(error));
  if (error instanceof Error) span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

function errorType(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  if (error instanceof Error) return error.name;
  return '_OTHER';
}
