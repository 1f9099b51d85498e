import { z } from 'zod';
import { ModelMessageSchema, SessionEventSchema, SessionSchema, SnapshotSchema, TurnResultSchema } from './objects.js';
import { IdSchema, TimestampSchema } from './values.js';

/** Answer bodies of the v1 API (DESIGN §6, §6.1), one per route shape. */

/** `{ session }`: create, get, patch, archive, fork. */
export const SessionResponseSchema = z.object({ session: SessionSchema });

/** `GET /v1/sessions`: newest activity first; `nextCursor` fetches older ones. */
export const SessionListResponseSchema = z.object({
  sessions: z.array(SessionSchema),
  nextCursor: z.string().nullable(),
});

/** `DELETE /v1/sessions/{id}`: soft close (`alreadyClosed`) or, with `?hard=true`, erase (`deleted`). */
export const DeleteSessionResponseSchema = z.union([
  z.object({ ok: z.literal(true), alreadyClosed: z.boolean() }),
  z.object({ ok: z.literal(true), deleted: z.literal(true) }),
]);

/** `POST …/turns` and `…/resume` in JSON. */
export const TurnResponseSchema = z.object({ turn: TurnResultSchema });

/** `POST …/inputs` (202). */
export const InputAcceptedResponseSchema = z.object({ inputId: IdSchema });

/** `POST …/stop`: `stopped` agrees with the turn's `turn-end` (true only for `aborted` or `timeout`). */
export const StopResponseSchema = z.object({ ok: z.literal(true), stopped: z.boolean() });

/** `GET …/events` in JSON: `nextAfter` is the last seq returned when more exist, else null. */
export const EventPageResponseSchema = z.object({
  events: z.array(SessionEventSchema),
  nextAfter: z.number().int().nullable(),
});

/** `GET …/messages`: model messages after the latest summary, oldest first, and that summary. */
export const MessagesResponseSchema = z.object({
  messages: z.array(ModelMessageSchema),
  summary: z.string().nullable(),
  nextCursor: z.string().nullable(),
});

/** `GET …/snapshots`: oldest first. */
export const SnapshotsResponseSchema = z.object({ snapshots: z.array(SnapshotSchema) });

/** `POST …/compact`: `compacted: false` with nulls when there was nothing to compact. */
export const CompactResponseSchema = z.object({
  compacted: z.boolean(),
  summary: z.string().nullable(),
  throughSeq: z.number().int().nullable(),
});

/** `POST /v1/channels/{channel}/resolve`. */
export const ResolveChannelResponseSchema = z.object({ session: SessionSchema, created: z.boolean() });

/** `POST /v1/channels/{channel}/rotate`: `archivedSessionId` is null when the channel had no session. */
export const RotateChannelResponseSchema = z.object({
  session: SessionSchema,
  archivedSessionId: IdSchema.nullable(),
});

/** `POST /v1/files` (201). */
export const FileUploadResponseSchema = z.object({
  fileToken: z.string(),
  expiresAt: TimestampSchema,
  size: z.number().int(),
});

/** `GET /healthz`. */
export const HealthResponseSchema = z.object({
  ok: z.boolean(),
  version: z.string(),
  store: z.string(),
});
