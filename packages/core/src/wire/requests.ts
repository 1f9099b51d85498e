import { z } from 'zod';
import {
  ChannelNameSchema,
  IdSchema,
  ModelNameSchema,
  StorableJsonObjectSchema,
  StorableJsonValueSchema,
  StorableTextSchema,
  WholeNumberStringSchema,
} from './values.js';

/**
 * Request bodies and query strings of the v1 API (DESIGN §6). Bodies are strict: an unknown field
 * is refused (`invalid_argument`), so a typo never passes silently. `null` for an optional field
 * means the same as leaving it out.
 */

/** A client-side tool declared at session creation: calls to it interrupt the turn for the client. */
export const ClientToolSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a tool name is 1–64 letters, digits, _ or -'),
  description: StorableTextSchema.max(4096).optional(),
  inputSchema: StorableJsonObjectSchema,
});

/** `POST /v1/sessions`. */
export const CreateSessionRequestSchema = z.strictObject({
  agent: StorableTextSchema.min(1).max(256).nullish(),
  model: ModelNameSchema.nullish(),
  channel: ChannelNameSchema.nullish(),
  clientSessionId: StorableTextSchema.min(1).max(256).nullish(),
  title: StorableTextSchema.max(1024).nullish(),
  meta: StorableJsonObjectSchema.nullish(),
  state: StorableJsonObjectSchema.nullish(),
  tools: z
    .array(ClientToolSchema)
    .max(128)
    .refine((tools) => new Set(tools.map((tool) => tool.name)).size === tools.length, 'tool names must be unique')
    .nullish(),
});

/** `PATCH /v1/sessions/{id}`; `meta` is a JSON Merge Patch (RFC 7386): `null` removes a key. */
export const UpdateSessionRequestSchema = z.strictObject({
  title: StorableTextSchema.max(1024).nullish(),
  meta: StorableJsonObjectSchema.optional(),
  model: ModelNameSchema.nullish(),
});

/** A list of file tokens from `POST /v1/files`. */
export const FileTokensSchema = z.array(StorableTextSchema.min(1).max(256)).max(32);

/** `POST /v1/sessions/{id}/turns`. */
export const TurnRequestSchema = z.strictObject({
  input: StorableTextSchema,
  files: FileTokensSchema.nullish(),
  timeoutMs: z.number().int().positive().max(86_400_000).nullish(),
  model: ModelNameSchema.nullish(),
});

/** `POST /v1/sessions/{id}/inputs`. */
export const InputRequestSchema = z.strictObject({
  input: StorableTextSchema,
  files: FileTokensSchema.nullish(),
});

/** `POST /v1/sessions/{id}/resume`: answers to the pending tool calls and approvals. */
export const ResumeRequestSchema = z.strictObject({
  toolResults: z
    .array(z.strictObject({ toolCallId: IdSchema, output: StorableJsonValueSchema, isError: z.boolean().optional() }))
    .max(256)
    .nullish(),
  approvals: z
    .array(
      z.strictObject({
        toolCallId: IdSchema,
        approved: z.boolean(),
        scope: z.enum(['once', 'session']).optional(),
      }),
    )
    .max(256)
    .nullish(),
});

/** `POST /v1/sessions/{id}/fork`; the default snapshot is the latest. */
export const ForkRequestSchema = z.strictObject({
  snapshotId: IdSchema.nullish(),
});

/** `POST /v1/channels/{channel}/resolve`: defaults for a session created by this call. */
export const ResolveChannelRequestSchema = z.strictObject({
  agent: StorableTextSchema.min(1).max(256).nullish(),
  model: ModelNameSchema.nullish(),
});

/** `GET /v1/sessions` query. */
export const ListSessionsQuerySchema = z.object({
  channel: ChannelNameSchema.optional(),
  status: z.enum(['active', 'archived', 'closed', 'all']).optional(),
  search: z
    .string()
    .max(1024)
    .optional()
    .describe(
      'Only sessions whose title, id or clientSessionId contains this text (ASCII letters match either case; at most 256 characters after trimming). Empty: no filter.',
    ),
  parentId: IdSchema.optional().describe('Only the sessions forked from this session (`parent.sessionId`).'),
  limit: WholeNumberStringSchema.optional(),
  cursor: z.string().max(1024).optional(),
});

/** `GET /v1/sessions/{id}/events` query (SSE also reads `Last-Event-ID`). */
export const EventsQuerySchema = z.object({
  after: WholeNumberStringSchema.optional(),
  limit: WholeNumberStringSchema.optional(),
});

/** `GET /v1/sessions/{id}/messages` query. */
export const MessagesQuerySchema = z.object({
  cursor: z.string().max(1024).optional(),
  limit: WholeNumberStringSchema.optional(),
});

/** `DELETE /v1/sessions/{id}` query. */
export const DeleteSessionQuerySchema = z.object({
  hard: z.enum(['true', 'false']).optional(),
});

/** `POST /v1/files` query. */
export const UploadFileQuerySchema = z.object({
  ttlSeconds: WholeNumberStringSchema.optional(),
  name: StorableTextSchema.min(1).max(256).optional(),
});
