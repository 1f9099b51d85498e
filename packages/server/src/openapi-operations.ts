import {
  DeleteSessionQuerySchema,
  EventsQuerySchema,
  ListSessionsQuerySchema,
  MessagesQuerySchema,
  UploadFileQuerySchema,
  type WIRE_SCHEMAS,
} from 'confab/wire';
import type { z } from 'zod';
import type { EXTRA_SCHEMAS } from './openapi-extra-schemas.js';

// The routes of the v1 API as the OpenAPI document describes them: one entry per operation.

/** A named wire schema (the core's, or one of the server's own, such as the AI SDK UI bodies). */
export type SchemaName = keyof typeof WIRE_SCHEMAS | keyof typeof EXTRA_SCHEMAS;

/** One operation of the API. */
export interface OperationSpec {
  method: 'get' | 'post' | 'patch' | 'delete';
  path: string;
  operationId: string;
  summary: string;
  /** False for the routes outside `/v1` that need no token. */
  auth?: boolean;
  body?: SchemaName | 'file';
  query?: z.ZodObject;
  headers?: Array<'Idempotency-Key' | 'Last-Event-ID'>;
  /** `optional`: JSON by default, SSE with `Accept: text/event-stream`; `only`: always SSE. */
  sse?: 'optional' | 'only';
  ok: { status: number; schema?: SchemaName; description: string };
  /** What an SSE answer's frames carry, when not Confab events. */
  sseDescription?: string;
  /** Other non-error answers, e.g. 204, by status. */
  otherAnswers?: Record<number, string>;
  errors: number[];
}

const SESSION_ERRORS = [400, 401, 404];
const UI_MESSAGE_STREAM =
  'UI message stream: each data: is an AI SDK UIMessageChunk as JSON (start … finish), heartbeats are comments, the last data: is [DONE]';
const TURN_ERRORS = [400, 401, 404, 409, 410, 412, 413, 429, 503];

/** Every operation, in the order of DESIGN §6. */
export const OPERATIONS: OperationSpec[] = [
  {
    method: 'post',
    path: '/v1/sessions',
    operationId: 'createSession',
    summary: 'Create a session (idempotent with clientSessionId)',
    body: 'CreateSessionRequest',
    ok: {
      status: 201,
      schema: 'SessionResponse',
      description: 'Created; 200 with the existing session for a known clientSessionId',
    },
    errors: [400, 401, 409, 413, 429],
  },
  {
    method: 'get',
    path: '/v1/sessions',
    operationId: 'listSessions',
    summary: 'List sessions, newest activity first',
    query: ListSessionsQuerySchema,
    ok: { status: 200, schema: 'SessionListResponse', description: 'A page of sessions' },
    errors: [400, 401],
  },
  {
    method: 'get',
    path: '/v1/sessions/{id}',
    operationId: 'getSession',
    summary: 'Get a session',
    ok: { status: 200, schema: 'SessionResponse', description: 'The session' },
    errors: SESSION_ERRORS,
  },
  {
    method: 'patch',
    path: '/v1/sessions/{id}',
    operationId: 'updateSession',
    summary: 'Change title, meta (JSON Merge Patch) or model',
    body: 'UpdateSessionRequest',
    ok: { status: 200, schema: 'SessionResponse', description: 'The updated session' },
    errors: [...SESSION_ERRORS, 413],
  },
  {
    method: 'delete',
    path: '/v1/sessions/{id}',
    operationId: 'deleteSession',
    summary: 'Close a session (idempotent), or erase it with hard=true',
    query: DeleteSessionQuerySchema,
    ok: { status: 200, schema: 'DeleteSessionResponse', description: '{ ok, alreadyClosed } or { ok, deleted }' },
    errors: SESSION_ERRORS,
  },
  {
    method: 'post',
    path: '/v1/sessions/{id}/archive',
    operationId: 'archiveSession',
    summary: 'Archive a session (history kept)',
    ok: { status: 200, schema: 'SessionResponse', description: 'The archived session' },
    errors: [...SESSION_ERRORS, 410],
  },
  {
    method: 'post',
    path: '/v1/sessions/{id}/turns',
    operationId: 'runTurn',
    summary: 'Run a turn; JSON when it ended, or its events as SSE',
    body: 'TurnRequest',
    headers: ['Idempotency-Key'],
    sse: 'optional',
    ok: { status: 200, schema: 'TurnResponse', description: 'The turn' },
    errors: [...TURN_ERRORS, 422],
  },
  {
    method: 'post',
    path: '/v1/sessions/{id}/inputs',
    operationId: 'queueInput',
    summary: 'Queue an input for the next batched turn',
    body: 'InputRequest',
    headers: ['Idempotency-Key'],
    ok: { status: 202, schema: 'InputAcceptedResponse', description: 'Queued' },
    errors: [400, 401, 404, 410, 412, 413, 422, 429],
  },
  {
    method: 'post',
    path: '/v1/sessions/{id}/resume',
    operationId: 'resumeTurn',
    summary: 'Answer pending tool calls and approvals; the turn continues',
    body: 'ResumeRequest',
    sse: 'optional',
    ok: { status: 200, schema: 'TurnResponse', description: 'The whole turn from its turn-start' },
    errors: TURN_ERRORS,
  },
  {
    method: 'post',
    path: '/v1/sessions/{id}/stop',
    operationId: 'stopTurn',
    summary: 'Stop the running turn',
    ok: { status: 200, schema: 'StopResponse', description: '{ ok, stopped }' },
    errors: SESSION_ERRORS,
  },
  {
    method: 'get',
    path: '/v1/sessions/{id}/events',
    operationId: 'listEvents',
    summary: 'Events as a JSON page, or SSE replay then live tail',
    query: EventsQuerySchema,
    headers: ['Last-Event-ID'],
    sse: 'optional',
    ok: { status: 200, schema: 'EventPageResponse', description: 'A page of events' },
    errors: [...SESSION_ERRORS, 429, 503],
  },
  {
    method: 'get',
    path: '/v1/sessions/{id}/messages',
    operationId: 'listMessages',
    summary: 'The conversation as AI SDK model messages after the latest summary',
    query: MessagesQuerySchema,
    ok: { status: 200, schema: 'MessagesResponse', description: 'A page of messages' },
    errors: SESSION_ERRORS,
  },
  {
    method: 'get',
    path: '/v1/sessions/{id}/snapshots',
    operationId: 'listSnapshots',
    summary: "The session's snapshots, oldest first",
    ok: { status: 200, schema: 'SnapshotsResponse', description: 'Snapshots' },
    errors: SESSION_ERRORS,
  },
  {
    method: 'post',
    path: '/v1/sessions/{id}/fork',
    operationId: 'forkSession',
    summary: 'Fork a snapshot (default: the latest) into a new session',
    body: 'ForkRequest',
    ok: { status: 201, schema: 'SessionResponse', description: 'The fork' },
    errors: [...SESSION_ERRORS, 429],
  },
  {
    method: 'post',
    path: '/v1/sessions/{id}/compact',
    operationId: 'compactSession',
    summary: 'Compact the history now',
    ok: { status: 200, schema: 'CompactResponse', description: 'What was compacted' },
    errors: [...SESSION_ERRORS, 409, 410, 503],
  },
  {
    method: 'post',
    path: '/v1/channels/{channel}/resolve',
    operationId: 'resolveChannel',
    summary: "The channel's active session, created when none",
    body: 'ResolveChannelRequest',
    ok: { status: 200, schema: 'ResolveChannelResponse', description: '{ session, created }' },
    errors: [400, 401, 429],
  },
  {
    method: 'post',
    path: '/v1/channels/{channel}/rotate',
    operationId: 'rotateChannel',
    summary: "Archive the channel's session and start a new one",
    ok: { status: 200, schema: 'RotateChannelResponse', description: '{ session, archivedSessionId }' },
    errors: [400, 401, 429],
  },
  {
    method: 'get',
    path: '/v1/lifecycle',
    operationId: 'streamLifecycle',
    summary: "Lifecycle events of this app's sessions (SSE)",
    sse: 'only',
    ok: { status: 200, schema: 'LifecycleEvent', description: 'An SSE stream; each data: is a lifecycle event' },
    errors: [401, 429, 503],
  },
  {
    method: 'post',
    path: '/v1/chat',
    operationId: 'chat',
    summary:
      "A useChat request (AI SDK DefaultChatTransport): runs, replays, regenerates, edits or resumes the chat's turn",
    body: 'ChatRequest',
    sse: 'only',
    sseDescription: UI_MESSAGE_STREAM,
    ok: { status: 200, description: 'The turn as an AI SDK UI message stream (DESIGN §9)' },
    errors: [...TURN_ERRORS, 422],
  },
  {
    method: 'get',
    path: '/v1/chat/{id}/stream',
    operationId: 'resumeChatStream',
    summary: "The chat's running turn from its start, then live (useChat's resume)",
    sse: 'only',
    sseDescription: UI_MESSAGE_STREAM,
    ok: { status: 200, description: 'The running turn as an AI SDK UI message stream' },
    otherAnswers: { 204: 'No turn of the chat runs' },
    errors: [400, 401],
  },
  {
    method: 'post',
    path: '/v1/chat/{id}/stop',
    operationId: 'stopChat',
    summary: "Stop the chat's running turn (the partial answer is kept)",
    ok: { status: 200, schema: 'StopResponse', description: '{ ok, stopped }' },
    errors: [400, 401],
  },
  {
    method: 'get',
    path: '/v1/chat/{id}/messages',
    operationId: 'chatMessages',
    summary: 'The chat as AI SDK UIMessages, ids stable, oldest first',
    ok: { status: 200, schema: 'ChatMessagesResponse', description: '{ messages }' },
    errors: [400, 401],
  },
  {
    method: 'post',
    path: '/v1/sessions/{id}/chat',
    operationId: 'sessionChat',
    summary:
      "A useChat request on this session, whatever its clientSessionId: as POST /v1/chat, but the body's id is not read and no session is created",
    body: 'ChatRequest',
    sse: 'only',
    sseDescription: UI_MESSAGE_STREAM,
    ok: { status: 200, description: 'The turn as an AI SDK UI message stream' },
    errors: [...TURN_ERRORS, 422],
  },
  {
    method: 'get',
    path: '/v1/sessions/{id}/chat/messages',
    operationId: 'sessionChatMessages',
    summary: "This session's conversation as AI SDK UIMessages, as GET /v1/chat/{id}/messages",
    ok: { status: 200, schema: 'ChatMessagesResponse', description: '{ messages }' },
    errors: SESSION_ERRORS,
  },
  {
    method: 'post',
    path: '/v1/files',
    operationId: 'uploadFile',
    summary: 'Upload a file (raw body or multipart) for use in a turn',
    body: 'file',
    query: UploadFileQuerySchema,
    ok: { status: 201, schema: 'FileUploadResponse', description: 'The file token' },
    errors: [400, 401, 413, 429],
  },
  {
    method: 'get',
    path: '/v1/openapi.json',
    operationId: 'openapi',
    summary: 'This document',
    ok: { status: 200, description: 'OpenAPI 3.1' },
    errors: [401],
  },
  {
    method: 'get',
    path: '/healthz',
    operationId: 'health',
    summary: 'Health (no auth)',
    auth: false,
    ok: { status: 200, schema: 'HealthResponse', description: 'Healthy; 503 with ok: false when not' },
    errors: [],
  },
  {
    method: 'get',
    path: '/metrics',
    operationId: 'metrics',
    summary: 'Prometheus metrics (no auth; absent when disabled)',
    auth: false,
    ok: { status: 200, description: 'Prometheus text format' },
    errors: [],
  },
];
