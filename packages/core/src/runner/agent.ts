import type { z } from 'zod';
import type { JsonValue } from '../model/json.js';
import { adaptLanguageModel, type SupportedLanguageModel } from './language-model.js';
import { toolInputJsonSchema } from './tool-schema.js';
import type { TurnContext, TurnOutcome } from './turn-context.js';

/** A tool call as an approval policy sees it. */
export interface ToolCallRequest<Input = unknown> {
  toolCallId: string;
  toolName: string;
  input: Input;
  sessionId: string;
}

/** Whether a tool call waits for a person's approval before it runs. */
export type ApprovalPolicy<Input = unknown> =
  | 'never'
  | 'always'
  | ((call: ToolCallRequest<Input>) => boolean | Promise<boolean>);

/** What a tool's `execute` receives besides its input. */
export interface ToolExecutionContext {
  sessionId: string;
  toolCallId: string;
  /** Aborted on stop, turn timeout or the tool's own timeout. */
  signal: AbortSignal;
}

/**
 * A tool the model may call. With `execute` it runs on the server; without, it is a client-side
 * tool: the turn ends `interrupted` and the caller supplies the result through `resume`.
 */
export interface ToolDefinition<Input = unknown, Output extends JsonValue = JsonValue> {
  description?: string;
  /** Validates the model's input; a validation failure is fed back to the model as a tool error. */
  inputSchema: z.ZodType<Input>;
  execute?: (input: Input, context: ToolExecutionContext) => Promise<Output> | Output;
  /** The call fails with a tool error after this long. Default 60 s. */
  timeoutMs?: number;
  /** Default: the agent's policy, else `never`. */
  approval?: ApprovalPolicy<Input>;
  /**
   * Safe to run twice. After a crash between a call and its recorded result, an idempotent tool is
   * run again; any other tool gets an error result saying its outcome is unknown.
   */
  idempotent?: boolean;
}

/**
 * Declares a tool with its input type inferred from the zod schema. Throws `invalid_argument` when
 * `inputSchema` is not a zod 4 schema (a zod 3 one, say) or has no JSON Schema form.
 */
export function tool<Schema extends z.ZodType, Output extends JsonValue = JsonValue>(
  definition: Omit<ToolDefinition<z.infer<Schema>, Output>, 'inputSchema'> & { inputSchema: Schema },
): ToolDefinition<z.infer<Schema>, Output> {
  toolInputJsonSchema('tool()', definition.inputSchema);
  return definition as ToolDefinition<z.infer<Schema>, Output>;
}

/**
 * A model given directly (an AI SDK 6 `LanguageModelV3` or AI SDK 7 `LanguageModelV4`), or by name
 * for the runtime's resolver (`echo`, `openai:gpt-4o-mini`, …).
 */
export type ModelReference = SupportedLanguageModel | string;

/** A prompt-backed agent: model, system prompt, tools and approval policy. */
export interface AgentDefinition {
  readonly kind: 'agent';
  name: string;
  model: ModelReference;
  system?: string;
  // biome-ignore lint/suspicious/noExplicitAny: tools of any input type live side by side.
  tools: Record<string, ToolDefinition<any, JsonValue>>;
  /** The approval policy for tools that do not set their own: one for all, or per tool name. */
  approval?: ApprovalPolicy | Record<string, ApprovalPolicy>;
  /** Model calls in one turn before it ends with `stopReason: "length"`. Default 16. */
  maxSteps: number;
  /** Sampling settings passed to the model. */
  temperature?: number;
  maxOutputTokens?: number;
}

/** Options of {@link defineAgent}. */
export type AgentOptions = Partial<Omit<AgentDefinition, 'kind' | 'model'>> & { model: ModelReference };

/**
 * Defines a prompt-backed agent. Throws `invalid_argument` when a tool's `inputSchema` is not a
 * zod 4 schema or has no JSON Schema form, or when the model is an object of another specification
 * than v3 or v4, so a bad agent fails here rather than in a turn.
 */
export function defineAgent(options: AgentOptions): AgentDefinition {
  if (typeof options.model !== 'string') adaptLanguageModel(options.model);
  for (const [name, definition] of Object.entries(options.tools ?? {})) {
    toolInputJsonSchema(`tool "${name}"`, definition.inputSchema);
  }
  return { kind: 'agent', name: options.name ?? 'agent', tools: {}, maxSteps: 16, ...options };
}

/** Custom turn logic with the runner's persistence, streaming, state and snapshot guarantees. */
export interface FlowDefinition {
  readonly kind: 'flow';
  name: string;
  // biome-ignore lint/suspicious/noConfusingVoidType: a flow that returns nothing is the common case.
  run: (context: TurnContext) => Promise<TurnOutcome | void> | TurnOutcome | void;
}

/** Defines custom turn logic. The function receives the turn's context (inputs, session, helpers). */
export function defineFlow(run: FlowDefinition['run'], options: { name?: string } = {}): FlowDefinition {
  return { kind: 'flow', name: options.name ?? 'flow', run };
}

/** What a runner executes: an agent or a flow. */
export type TurnLogic = AgentDefinition | FlowDefinition;

/** The effective approval policy of a tool in an agent. */
export function approvalPolicyFor(agent: AgentDefinition, toolName: string): ApprovalPolicy {
  const own = agent.tools[toolName]?.approval;
  if (own) return own;
  const policy = agent.approval;
  if (policy === undefined) return 'never';
  if (typeof policy === 'string' || typeof policy === 'function') return policy;
  return policy[toolName] ?? 'never';
}
