/**
 * `confab/wire`: the HTTP API's wire contract (DESIGN §6) as zod schemas and the types inferred
 * from them. The server parses requests and checks answers with these and builds its OpenAPI
 * document from `WIRE_SCHEMAS`; a client or a test can check what it sends and receives.
 */
import type { z } from 'zod';
import * as objects from './objects.js';
import * as requests from './requests.js';
import * as responses from './responses.js';
import * as values from './values.js';

export * from './objects.js';
export * from './requests.js';
export * from './responses.js';
export * from './values.js';

/** A request body of the v1 API, as a client sends it. */
export type CreateSessionRequest = z.input<typeof requests.CreateSessionRequestSchema>;
/** `PATCH /v1/sessions/{id}` body. */
export type UpdateSessionRequest = z.input<typeof requests.UpdateSessionRequestSchema>;
/** `POST …/turns` body. */
export type TurnRequest = z.input<typeof requests.TurnRequestSchema>;
/** `POST …/inputs` body. */
export type InputRequest = z.input<typeof requests.InputRequestSchema>;
/** `POST …/resume` body. */
export type ResumeRequest = z.input<typeof requests.ResumeRequestSchema>;
/** `POST …/fork` body. */
export type ForkRequestBody = z.input<typeof requests.ForkRequestSchema>;
/** `POST /v1/channels/{channel}/resolve` body. */
export type ResolveChannelRequest = z.input<typeof requests.ResolveChannelRequestSchema>;
/** The `{ error: { code, message, requestId } }` shape of every error answer. */
export type ErrorResponse = z.infer<typeof values.ErrorResponseSchema>;
/** A lifecycle event as `GET /v1/lifecycle` sends it in `data:`. */
export type WireLifecycleEvent = z.infer<typeof objects.LifecycleEventSchema>;
/** An AI SDK model message as `GET …/messages` answers it. */
export type WireModelMessage = z.infer<typeof objects.ModelMessageSchema>;
/** `POST …/compact` answer. */
export type CompactResponse = z.infer<typeof responses.CompactResponseSchema>;

/**
 * Every named schema of the wire contract, keyed by the name the OpenAPI document gives it
 * (`#/components/schemas/<name>`). Naming a schema here makes it a shared component.
 */
export const WIRE_SCHEMAS = {
  JsonValue: values.JsonValueSchema,
  JsonObject: values.JsonObjectSchema,
  ErrorResponse: values.ErrorResponseSchema,
  ForkParent: objects.ForkParentSchema,
  Session: objects.SessionSchema,
  Usage: objects.UsageSchema,
  StopReason: objects.StopReasonSchema,
  SessionEvent: objects.SessionEventSchema,
  DeltaEvent: objects.DeltaEventSchema,
  StreamEvent: objects.StreamEventSchema,
  Snapshot: objects.SnapshotSchema,
  TurnResult: objects.TurnResultSchema,
  LifecycleEvent: objects.LifecycleEventSchema,
  ModelMessage: objects.ModelMessageSchema,
  ClientTool: requests.ClientToolSchema,
  CreateSessionRequest: requests.CreateSessionRequestSchema,
  UpdateSessionRequest: requests.UpdateSessionRequestSchema,
  TurnRequest: requests.TurnRequestSchema,
  InputRequest: requests.InputRequestSchema,
  ResumeRequest: requests.ResumeRequestSchema,
  ForkRequest: requests.ForkRequestSchema,
  ResolveChannelRequest: requests.ResolveChannelRequestSchema,
  SessionResponse: responses.SessionResponseSchema,
  SessionListResponse: responses.SessionListResponseSchema,
  DeleteSessionResponse: responses.DeleteSessionResponseSchema,
  TurnResponse: responses.TurnResponseSchema,
  InputAcceptedResponse: responses.InputAcceptedResponseSchema,
  StopResponse: responses.StopResponseSchema,
  EventPageResponse: responses.EventPageResponseSchema,
  MessagesResponse: responses.MessagesResponseSchema,
  SnapshotsResponse: responses.SnapshotsResponseSchema,
  CompactResponse: responses.CompactResponseSchema,
  ResolveChannelResponse: responses.ResolveChannelResponseSchema,
  RotateChannelResponse: responses.RotateChannelResponseSchema,
  FileUploadResponse: responses.FileUploadResponseSchema,
  HealthResponse: responses.HealthResponseSchema,
} as const;
