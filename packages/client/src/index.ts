export { ConfabClient, type ConfabClientOptions } from './client.js';
export {
  APIError,
  type APIErrorInit,
  AuthError,
  ConfabClientError,
  ConflictError,
  NotFoundError,
  RateLimitError,
  SessionClosedError,
  TransportError,
} from './errors.js';
export type { FileData, FilesApi, UploadOptions } from './files.js';
export type { FetchFunction, TokenSource } from './http.js';
export type { LifecycleEventName, LifecycleHandler } from './listeners.js';
export type { CallOptions, EventStreamOptions, SendOptions, SessionEventsApi } from './options.js';
export type { PendingSession } from './registry.js';
export type { RetryOptions } from './retry.js';
export type { Session } from './session.js';
export type { SessionsApi } from './sessions.js';
export type {
  ApprovalDecision,
  ApprovalHandler,
  ApprovalRequest,
  ToolCallContext,
  ToolHandler,
  TurnHandlers,
} from './tool-handlers.js';
export { type PendingApproval, type PendingToolCall, TurnResult } from './turn-result.js';
export type { TurnStream } from './turn-stream.js';
export type { ResumeOptions, TurnOptions } from './turns.js';
export type * from './types.js';
