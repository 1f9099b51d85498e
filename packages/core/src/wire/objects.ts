import { z } from 'zod';
import { LIFECYCLE_TYPES } from '../lifecycle/lifecycle-bus.js';
import { IdSchema, JsonObjectSchema, JsonValueSchema, TimestampSchema } from './values.js';

/**
 * The objects the v1 API answers with (DESIGN §4, §6.1). Every field is always present; absent
 * values are `null`.
 */

/** Where a forked session was taken from. */
export const ForkParentSchema = z.object({
  sessionId: IdSchema,
  seq: z.number().int(),
  snapshotId: IdSchema.nullable(),
});

/** The session object of DESIGN §6.1. */
export const SessionSchema = z.object({
  id: IdSchema,
  appId: z.string(),
  clientSessionId: z.string().nullable(),
  channel: z.string().nullable(),
  title: z.string().nullable(),
  agent: z.string().nullable(),
  model: z.string().nullable(),
  status: z.enum(['active', 'archived', 'closed']),
  meta: JsonObjectSchema,
  state: JsonObjectSchema,
  stateVersion: z.number().int(),
  turnCount: z.number().int(),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
  lastTurnAt: TimestampSchema.nullable(),
  closedAt: TimestampSchema.nullable(),
  parent: ForkParentSchema.nullable(),
});

/** Why a turn ended. */
export const StopReasonSchema = z.enum(['stop', 'length', 'interrupted', 'aborted', 'timeout', 'error']);

/** Token usage as the provider reported it, or null. */
export const UsageSchema = z.object({
  inputTokens: z.number(),
  outputTokens: z.number(),
  totalTokens: z.number(),
});

const persisted = <Type extends string, Data extends z.ZodType>(type: Type, data: Data) =>
  z.object({
    seq: z.number().int(),
    sessionId: IdSchema,
    turn: z.number().int(),
    type: z.literal(type),
    at: TimestampSchema,
    data,
  });

const delta = <Type extends string, Data extends z.ZodType>(type: Type, data: Data) =>
  z.object({
    seq: z.number().int(),
    sub: z.number().int(),
    sessionId: IdSchema,
    turn: z.number().int(),
    type: z.literal(type),
    at: TimestampSchema,
    data,
  });

/** A persisted event `{ seq, sessionId, turn, type, at, data }` (DESIGN §4). */
export const SessionEventSchema = z.discriminatedUnion('type', [
  persisted('input', z.object({ inputId: IdSchema, text: z.string(), files: z.array(z.string()).optional() })),
  persisted(
    'turn-start',
    z.object({
      inputIds: z.array(IdSchema),
      inputCount: z.number().int(),
      model: z.string(),
      rewindTo: z.number().int().optional(),
      userMessageId: z.string().optional(),
      assistantMessageId: z.string().optional(),
    }),
  ),
  persisted(
    'message',
    z.object({
      messageId: z.string(),
      role: z.enum(['assistant', 'system']),
      text: z.string(),
      reasoning: z.string().optional(),
    }),
  ),
  persisted(
    'tool-call',
    z.object({
      toolCallId: IdSchema,
      toolName: z.string(),
      input: JsonValueSchema,
      executor: z.enum(['server', 'client']),
      needsApproval: z.boolean(),
    }),
  ),
  persisted('tool-approval-request', z.object({ toolCallId: IdSchema, toolName: z.string(), input: JsonValueSchema })),
  persisted(
    'tool-approval',
    z.object({ toolCallId: IdSchema, approved: z.boolean(), scope: z.enum(['once', 'session']) }),
  ),
  persisted(
    'tool-result',
    z.object({ toolCallId: IdSchema, toolName: z.string(), output: JsonValueSchema, isError: z.boolean() }),
  ),
  persisted('state-patch', z.object({ patch: z.array(JsonObjectSchema), version: z.number().int() })),
  persisted('artifact', z.object({ name: z.string(), value: JsonValueSchema })),
  persisted('compaction', z.object({ summary: z.string(), throughSeq: z.number().int() })),
  persisted(
    'turn-end',
    z.object({
      snapshotId: IdSchema.nullable(),
      inputCount: z.number().int(),
      inputIds: z.array(IdSchema),
      stopReason: StopReasonSchema,
      usage: UsageSchema.nullable(),
      durationMs: z.number(),
    }),
  ),
  persisted('error', z.object({ code: z.string(), message: z.string() })),
]);

/** A stream-only delta `{ seq, sub, sessionId, turn, type, at, data }` (SSE only, never stored). */
export const DeltaEventSchema = z.discriminatedUnion('type', [
  delta('text-delta', z.object({ messageId: z.string(), delta: z.string() })),
  delta('reasoning-delta', z.object({ messageId: z.string(), delta: z.string() })),
  delta('tool-input-delta', z.object({ toolCallId: IdSchema, delta: z.string(), toolName: z.string().optional() })),
]);

/** What an SSE frame's `data:` carries on session streams: a persisted event or a delta. */
export const StreamEventSchema = z.union([SessionEventSchema, DeltaEventSchema]);

/** A snapshot: a pointer into a session's log, taken at a turn end. */
export const SnapshotSchema = z.object({
  id: IdSchema,
  sessionId: IdSchema,
  seq: z.number().int(),
  turn: z.number().int(),
  stateVersion: z.number().int(),
  parentSnapshotId: IdSchema.nullable(),
  createdAt: TimestampSchema,
});

/** The outcome of a turn, as `POST …/turns` and `…/resume` answer it in JSON. */
export const TurnResultSchema = z.object({
  index: z.number().int(),
  inputCount: z.number().int(),
  inputIds: z.array(IdSchema),
  events: z.array(SessionEventSchema),
  stopReason: StopReasonSchema,
  snapshotId: IdSchema.nullable(),
  usage: UsageSchema.nullable(),
  durationMs: z.number(),
});

/** A lifecycle event as `GET /v1/lifecycle` frames it in `data:`. */
export const LifecycleEventSchema = z.object({
  type: z.enum(LIFECYCLE_TYPES),
  sessionId: IdSchema,
  clientSessionId: z.string().nullable(),
  appId: z.string(),
  at: TimestampSchema,
  data: JsonObjectSchema,
});

/** One part of a model message (AI SDK `ModelMessage` content). */
export const MessagePartSchema = z
  .object({ type: z.enum(['text', 'reasoning', 'file', 'tool-call', 'tool-result']) })
  .catchall(JsonValueSchema);

/** An AI SDK `ModelMessage` as `GET …/messages` answers it. */
export const ModelMessageSchema = z.object({
  role: z.enum(['user', 'assistant', 'tool']),
  content: z.union([z.string(), z.array(MessagePartSchema)]),
});
