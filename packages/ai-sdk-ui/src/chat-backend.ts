import type { UIMessage, UIMessageChunk } from 'ai';
import {
  ConfabError,
  errors,
  newId,
  type Pool,
  type ResumeAnswers,
  readRuntime,
  type SessionPatch,
  type SessionRecord,
  type StreamEvent,
  type TurnHandle,
  type TurnStartExtras,
} from 'confab';
import type { SessionStore } from 'confab/store';
import { readChatLog } from './chat-log.js';
import { type ChatRequest, textOfMessage } from './chat-request.js';
import { type ChatTurn, chatTurnsOf } from './chat-turns.js';
import { assistantMessageIdOf, TurnChunks } from './turn-chunks.js';
import { toUIMessages } from './ui-messages.js';

/** What the chat functions run on: the pool that runs turns and the store it writes. */
export interface ChatBackend {
  pool: Pool;
  store: SessionStore;
}

/** The app (tenant) a chat belongs to; the pool's default app when absent. */
export interface ChatScope {
  appId?: string;
}

/** A chat turn being streamed: the chat's session and the turn's UI message chunks. */
export interface ChatStream {
  session: SessionRecord;
  /** The turn's chunks from `start` to `finish`; ends early when `signal` aborts. */
  chunks: AsyncIterable<UIMessageChunk>;
  /** Settles when the turn (segment) this request ran settles; absent for a resumed stream. */
  settled?: Promise<unknown>;
}

/** What a `useChat` request asks for, decided from its last message and the chat's log. */
export type ChatAction =
  | {
      kind: 'turn';
      text: string;
      /** The idempotency key of the turn's input: the same request twice runs one turn. */
      idempotencyKey: string;
      turnStart: TurnStartExtras;
    }
  | { kind: 'resume'; answers: ResumeAnswers; assistantMessageId: string };

/**
 * The chat's session: the app's session whose `clientSessionId` is the chat id, created on first
 * use (with `session.created`); `options` apply only when it is created.
 */
export async function chatSession(
  backend: ChatBackend,
  chatId: string,
  scope: ChatScope & { agent?: string | null; model?: string | null; tools?: ChatRequest['session']['tools'] } = {},
): Promise<SessionRecord> {
  const { session, created } = await backend.pool.createSession(null, {
    appId: scope.appId,
    clientSessionId: chatId,
    agent: scope.agent ?? null,
    model: scope.model ?? null,
    ...(scope.tools ? { tools: scope.tools } : {}),
  });
  // useChat with `resume: true` asks `GET …/stream` as soon as a chat opens, before its first POST,
  // and that created the session without the agent, model and client tools the POST declares.
  // They still apply until the chat's first turn, as they would had the POST come first.
  if (created || session.turnCount > 0) return session;
  const patch: SessionPatch = {};
  if (scope.tools?.length && session.tools.length === 0) patch.tools = scope.tools;
  if (scope.agent && session.agent === null) patch.agent = scope.agent;
  if (scope.model && session.model === null) patch.model = scope.model;
  if (Object.keys(patch).length === 0) return session;
  try {
    const updated = await backend.store.updateSession(session.id, patch, { expectedVersion: session.version });
    backend.pool.bus.emit('session.updated', updated, patch as Record<string, never>);
    return updated;
  } catch (error) {
    // Another first request of the chat changed it meanwhile: its options won.
    if (!ConfabError.isInstance(error, 'conflict')) throw error;
    return backend.pool.getSession(session.id, { appId: session.appId });
  }
}

/**
 * Decides what a request does (DESIGN §9), reading only its last message:
 * - a user message → a turn with its text; with `messageId` naming an earlier user message of the
 *   chat (an edit), the turn continues from before that message; the same message id again
 *   replays the turn it ran (its input's idempotency key is the message id);
 * - `regenerate-message` → a new answer to the chat's user message, continuing from before it;
 * - the assistant message of a pending turn with tool parts answered (`approval-responded`,
 *   `output-available`, `output-error`) → a resume of the pending calls;
 * - anything else → `invalid_argument`.
 */
export async function planChatRequest(
  backend: ChatBackend,
  session: SessionRecord,
  request: ChatRequest,
): Promise<ChatAction> {
  const last = request.lastMessage;
  if (last.role === 'assistant') return planResume(backend, session, last);
  if (last.role !== 'user')
    throw errors.invalidArgument(`a chat request's last message cannot be a ${last.role} message`);
  const regenerate = request.trigger === 'regenerate-message';
  const editing = !regenerate && request.messageId !== null;
  if (!regenerate && !editing) {
    const text = textOfMessage(last);
    if (!text) throw errors.invalidArgument('the user message has no text');
    return {
      kind: 'turn',
      text,
      idempotencyKey: `ui:${last.id}`,
      turnStart: { userMessageId: last.id, assistantMessageId: newId('msg') },
    };
  }
  // The whole log: a message a compaction summarised can still be regenerated or edited.
  const turns = chatTurnsOf(await readChatLog(backend.store, session.id));
  const target = editing ? request.messageId : last.id;
  const turn = turns.find((candidate) => candidate.inputs.some((input) => input.messageId === target));
  if (!turn?.turnStart) {
    throw errors.invalidArgument(`message ${target} is not a user message of chat ${request.chatId}`);
  }
  const rewindTo = turn.turnStart.seq - 1;
  if (regenerate) {
    const text = turn.inputs.map((input) => input.text).join('\n');
    return {
      kind: 'turn',
      text,
      // One regenerate per answer: a retried request replays the answer it produced.
      idempotencyKey: `ui-regenerate:${turn.assistantMessageId}`,
      turnStart: { rewindTo, userMessageId: target as string, assistantMessageId: newId('msg') },
    };
  }
  const text = textOfMessage(last);
  if (!text) throw errors.invalidArgument('the user message has no text');
  return {
    kind: 'turn',
    text,
    idempotencyKey: `ui-edit:${turn.assistantMessageId}:${await digest(text)}`,
    turnStart: { rewindTo, userMessageId: target as string, assistantMessageId: newId('msg') },
  };
}

async function planResume(backend: ChatBackend, session: SessionRecord, last: UIMessage): Promise<ChatAction> {
  const active = readRuntime(session).turn;
  if (!session.pendingInterrupt || !active || active.phase !== 'interrupted') {
    throw errors.failedPrecondition(`chat ${session.clientSessionId} has no pending tool call or approval`);
  }
  const turnStart = (await backend.store.readEvents(session.id, { after: active.startSeq - 1, limit: 1 })).events[0];
  if (turnStart?.type !== 'turn-start') throw new ConfabError('internal', `turn ${active.index} has no turn-start`);
  const assistantMessageId = assistantMessageIdOf(turnStart);
  if (last.id !== assistantMessageId) {
    throw errors.invalidArgument(`message ${last.id} is not the chat's pending assistant message`);
  }
  const pending = new Map(active.pending.map((call) => [call.toolCallId, call]));
  const answers: Required<ResumeAnswers> = { approvals: [], toolResults: [] };
  for (const part of last.parts) {
    if (!('toolCallId' in part) || !('state' in part)) continue;
    const call = pending.get(part.toolCallId);
    if (!call) continue;
    if (call.kind === 'approval' && part.state === 'approval-responded' && part.approval) {
      answers.approvals.push({ toolCallId: call.toolCallId, approved: part.approval.approved });
    } else if (call.kind === 'client' && part.state === 'output-available') {
      answers.toolResults.push({ toolCallId: call.toolCallId, output: part.output ?? null });
    } else if (call.kind === 'client' && part.state === 'output-error') {
      answers.toolResults.push({ toolCallId: call.toolCallId, output: { error: part.errorText }, isError: true });
    }
  }
  if (!answers.approvals.length && !answers.toolResults.length) {
    throw errors.invalidArgument('the assistant message answers none of the pending tool calls');
  }
  return { kind: 'resume', answers, assistantMessageId };
}

/**
 * Runs a parsed `useChat` request: the chat's session (created on first use), then a turn, a
 * replay of one, a regenerate, an edit or a resume. Resolves once the turn got its turn, so every
 * refusal (`turn_in_progress`, `session_closed`, a bad request) is thrown before any chunk; a
 * failure after that ends the chunks with an `error` and `finish`. A client that leaves never
 * stops the turn. With `session`, the request runs on that session whatever its
 * `clientSessionId` (the request's chat id is then not read, and its session options not used):
 * `POST /v1/sessions/{id}/chat`, which makes any session a `useChat` chat.
 */
export async function runChatRequest(
  backend: ChatBackend,
  request: ChatRequest,
  options: ChatScope & { signal?: AbortSignal; timeoutMs?: number; session?: SessionRecord } = {},
): Promise<ChatStream> {
  const session =
    options.session ?? (await chatSession(backend, request.chatId, { appId: options.appId, ...request.session }));
  const action = await planChatRequest(backend, session, request);
  const scope = { appId: session.appId };
  let handle: TurnHandle;
  let converter: TurnChunks;
  if (action.kind === 'resume') {
    handle = await backend.pool.resume(session.id, action.answers, { ...scope, timeoutMs: options.timeoutMs });
    converter = new TurnChunks({ messageId: action.assistantMessageId });
  } else {
    handle = await backend.pool.chat(
      session.id,
      { text: action.text, idempotencyKey: action.idempotencyKey },
      { ...scope, timeoutMs: options.timeoutMs, turnStart: action.turnStart },
    );
    converter = new TurnChunks();
  }
  await handle.started;
  return { session, chunks: chunksOf(handle, converter, options.signal), settled: handle.result };
}

/**
 * The chat's running turn as chunks from its `start` (replayed from the durable log, with the
 * running process's deltas when that is this one) and then live, for `GET …/{id}/stream`; null
 * when no turn of the chat runs. Works on any process: the log is read from the store.
 */
export async function resumeChatStream(
  backend: ChatBackend,
  chatId: string,
  options: ChatScope & { signal?: AbortSignal } = {},
): Promise<ChatStream | null> {
  const session = await chatSession(backend, chatId, options);
  const active = readRuntime(session).turn;
  if (active?.phase !== 'running') return null;
  // A turn whose process died stays `running` until a new holder recovers it: without a live
  // lease nothing runs, and nothing would ever end this stream.
  if (!(await backend.store.getLease(session.id))) return null;
  const events = await backend.pool.subscribe(session.id, { seq: active.startSeq - 1 }, options.signal, {
    appId: session.appId,
  });
  // Turn ends already written belong to earlier segments of this turn (it was interrupted and
  // resumed): the running segment's end is written after the session record read here.
  const converter = new TurnChunks({ segmentEndsThroughSeq: session.lastSeq });
  return { session, chunks: chunksOf(events, converter, options.signal) };
}

/** Stops the chat's running turn wherever it runs (`POST …/{id}/stop`); false when none ran. */
export async function stopChat(backend: ChatBackend, chatId: string, scope: ChatScope = {}): Promise<boolean> {
  const session = await chatSession(backend, chatId, scope);
  return backend.pool.stop(session.id, { appId: session.appId });
}

/**
 * The chat's conversation as `UIMessage`s (`GET …/{id}/messages`), ids stable, oldest first: the
 * whole visible conversation, also what a compaction summarised for the model.
 */
export async function readChatMessages(
  backend: ChatBackend,
  chatId: string,
  scope: ChatScope = {},
): Promise<UIMessage[]> {
  return sessionUIMessages(backend, await chatSession(backend, chatId, scope));
}

/**
 * Any session's conversation as `UIMessage`s, as {@link readChatMessages} gives a chat's: the
 * whole visible conversation, also what a compaction summarised for the model.
 */
export async function sessionUIMessages(backend: ChatBackend, session: SessionRecord): Promise<UIMessage[]> {
  return toUIMessages(await readChatLog(backend.store, session.id));
}

/** Converts events to chunks until the turn's `finish`, the events' end or the signal. */
async function* chunksOf(
  events: AsyncIterable<StreamEvent>,
  converter: TurnChunks,
  signal?: AbortSignal,
): AsyncGenerator<UIMessageChunk> {
  yield* converter.begin();
  try {
    for await (const event of events) {
      yield* converter.push(event);
      if (converter.finished || signal?.aborted) return;
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    yield* converter.abort(ConfabError.isInstance(error) ? `${error.code}: ${message}` : message);
    return;
  }
  if (!signal?.aborted) yield* converter.abort();
}

async function digest(text: string): Promise<string> {
  const bytes = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(bytes).slice(0, 12), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

export type { ChatTurn };
