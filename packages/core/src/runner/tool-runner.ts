import { z } from 'zod';
import type { JsonValue } from '../model/json.js';
import { traceToolCall } from '../telemetry/tracing.js';
import type { ToolDefinition } from './agent.js';
import { linkedAbort } from './linked-abort.js';

/** A tool's recorded outcome. */
export interface ToolOutcome {
  output: JsonValue;
  isError: boolean;
}

const DEFAULT_TOOL_TIMEOUT_MS = 60_000;

function toJson(value: unknown): JsonValue {
  if (value === undefined) return null;
  try {
    return JSON.parse(JSON.stringify(value)) as JsonValue;
  } catch {
    return String(value);
  }
}

/**
 * Runs one server tool call: validates the input with the tool's zod schema, executes it with its
 * timeout and the turn's signal, and turns every failure (unknown tool, invalid input, throw,
 * timeout, abort, a schema that throws) into an error outcome the model can read, never an exception.
 * Traced as an `execute_tool` span.
 */
export function runTool(
  definition: ToolDefinition | undefined,
  call: { toolCallId: string; toolName: string; input: JsonValue },
  context: { sessionId: string; signal: AbortSignal },
): Promise<ToolOutcome> {
  return traceToolCall(call, () => executeTool(definition, call, context));
}

async function executeTool(
  definition: ToolDefinition | undefined,
  call: { toolCallId: string; toolName: string; input: JsonValue },
  context: { sessionId: string; signal: AbortSignal },
): Promise<ToolOutcome> {
  if (!definition?.execute) {
    return { output: { error: `unknown tool ${call.toolName}` }, isError: true };
  }
  let parsed: ReturnType<typeof definition.inputSchema.safeParse>;
  try {
    parsed = definition.inputSchema.safeParse(call.input);
  } catch (error) {
    // A refinement or transform of the schema threw: the input could not be checked.
    const message = error instanceof Error ? error.message : String(error);
    return { output: { error: `tool input could not be validated: ${message}` }, isError: true };
  }
  if (!parsed.success) {
    return { output: { error: 'invalid tool input', issues: z.prettifyError(parsed.error) }, isError: true };
  }
  const timeoutMs = definition.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS;
  const linked = linkedAbort(context.signal, timeoutMs);
  const signal = linked.signal;
  const stopped = new Promise<ToolOutcome>((resolve) => {
    const settle = () =>
      resolve({
        output: { error: linked.timedOut() ? `tool timed out after ${timeoutMs} ms` : 'tool was aborted' },
        isError: true,
      });
    if (signal.aborted) settle();
    signal.addEventListener('abort', settle, { once: true });
  });
  const execute = definition.execute;
  const running = (async (): Promise<ToolOutcome> => {
    try {
      const output = await execute(parsed.data, { sessionId: context.sessionId, toolCallId: call.toolCallId, signal });
      return { output: toJson(output), isError: false };
    } catch (error) {
      return { output: { error: error instanceof Error ? error.message : String(error) }, isError: true };
    }
  })();
  return Promise.race([running, stopped]).finally(linked.dispose);
}
