import { CHAT_IDS } from './fuzz-chat.js';
import type { RefName, RequestPlan } from './fuzz-plan.js';

/** What the fuzz server holds at the start: app a's long-lived sessions and app b's objects. */
export interface FuzzSeed {
  /** App a's sessions that are never closed, archived or deleted, so turns keep piling up on them. */
  core: string[];
  /** App b's session, snapshot and file token: app a must get the same answer as for unknown ones. */
  foreign: { sessionId: string; snapshotId: string; fileToken: string };
  /** App a's uploaded file token. */
  fileToken: string;
}

/** A plan with its placeholders filled in. */
export interface ResolvedRequest {
  path: string;
  body: string | Uint8Array | undefined;
  /** The session id of the path, or null for routes without one. */
  sessionId: string | null;
  /** Which kind of session id the path holds (`core`, `interrupted`, `spare`, `foreign`, `missing`) or null. */
  sessionKind: RefName | null;
  /** The placeholders the plan used. */
  refs: Set<RefName>;
  /** The chat id `{{chat}}` resolved to, or null. */
  chatId: string | null;
}

/** The id a missing session has: well-formed, never created. */
export const MISSING_SESSION_ID = 'ses_00000000000000000000000000000000';

/** The unknown counterpart of each foreign placeholder: what app a must not be able to tell apart. */
export const UNKNOWN_OF: Partial<Record<RefName, string>> = {
  foreign: MISSING_SESSION_ID,
  foreignSnapshot: 'snap_unknown',
  foreignFile: 'file_unknown',
};

const RING = 32;
const PLACEHOLDER = /\{\{(\w+)\}\}/g;

/**
 * What the fuzzer has learned from the answers so far: sessions it created (targets of closes and
 * deletes), snapshots, file tokens, client tool calls still pending, a list cursor. Resolving a
 * plan fills its `{{ref}}` placeholders from here. Every list is a bounded ring, so a long run
 * keeps the test's own memory flat (the heap check measures the server in this same process).
 */
export class FuzzState {
  private readonly spare: string[] = [];
  private readonly snapshots: string[] = [];
  private readonly files: string[];
  private readonly pending = new Map<string, string[]>();
  /** Per chat id: its assistant message waiting for a client tool call's output, and that call. */
  private readonly pendingChats = new Map<string, { assistantId: string; toolCallId: string }>();
  /** Chat ids with a sleeping `POST /v1/chat` of app a in flight (resolved, not answered yet), with counts. */
  private readonly chatsInFlight = new Map<string, number>();
  private cursor: string | null = null;

  constructor(readonly seed: FuzzSeed) {
    this.files = [seed.fileToken];
  }

  /** Fills the placeholders of `plan`; `overrides` replaces chosen refs (the unknown-id twin). */
  resolve(plan: RequestPlan, overrides: Partial<Record<RefName, string>> = {}): ResolvedRequest {
    const refs = new Set<RefName>();
    let sessionId: string | null = null;
    let sessionKind: RefName | null = null;
    let chatId: string | null = null;
    const valueOfRef = (name: RefName): string => {
      refs.add(name);
      const override = overrides[name];
      if (override !== undefined) return override;
      const pick = <T>(items: readonly T[], fallback: T): T =>
        items.length ? items[plan.pick % items.length]! : fallback;
      switch (name) {
        case 'core':
          return pick(this.seed.core, MISSING_SESSION_ID);
        case 'interrupted':
          return pick(
            this.seed.core.filter((id) => this.pending.get(id)?.length),
            pick(this.seed.core, MISSING_SESSION_ID),
          );
        case 'spare':
          return pick(this.spare, MISSING_SESSION_ID);
        case 'foreign':
          return this.seed.foreign.sessionId;
        case 'missing':
          return MISSING_SESSION_ID;
        case 'snapshot':
          return pick(this.snapshots, 'snap_none_yet');
        case 'foreignSnapshot':
          return this.seed.foreign.snapshotId;
        case 'file':
          return pick(this.files, this.seed.fileToken);
        case 'foreignFile':
          return this.seed.foreign.fileToken;
        case 'pending':
          return pick((sessionId && this.pending.get(sessionId)) || [], 'call_not_pending');
        case 'cursor':
          return encodeURIComponent(this.cursor ?? 'no-cursor-yet');
        case 'chat':
          chatId = pick(CHAT_IDS, 'no-chat');
          if (this.postsSleepingChat(plan)) this.chatsInFlight.set(chatId, (this.chatsInFlight.get(chatId) ?? 0) + 1);
          return chatId;
        case 'runningChat':
          chatId = pick([...this.chatsInFlight.keys()], pick(CHAT_IDS, 'no-chat'));
          return chatId;
        case 'chatAssistant':
          return (chatId && this.pendingChats.get(chatId)?.assistantId) || 'msg_not_pending';
        case 'chatToolCall':
          return (chatId && this.pendingChats.get(chatId)?.toolCallId) || 'call_not_pending';
      }
    };
    const path = plan.path.replace(PLACEHOLDER, (_, name: RefName) => {
      const value = valueOfRef(name);
      if (['core', 'interrupted', 'spare', 'foreign', 'missing'].includes(name)) {
        sessionId = value;
        sessionKind = name;
      }
      return value;
    });
    const query = plan.query.replace(PLACEHOLDER, (_, name: RefName) => valueOfRef(name));
    let body: string | Uint8Array | undefined = plan.body?.bytes;
    if (plan.body?.text !== undefined)
      body = plan.body.text.replace(PLACEHOLDER, (_, name: RefName) => valueOfRef(name));
    return { path: `${path}${query}`, body, sessionId, sessionKind, refs, chatId };
  }

  /** The `POST /v1/chat` of `request` was answered: its chat no longer counts as in flight. */
  chatAnswered(request: ResolvedRequest, plan: RequestPlan): void {
    if (!request.chatId || !this.postsSleepingChat(plan)) return;
    const count = (this.chatsInFlight.get(request.chatId) ?? 1) - 1;
    if (count > 0) this.chatsInFlight.set(request.chatId, count);
    else this.chatsInFlight.delete(request.chatId);
  }

  /** True for app a's `POST /v1/chat` of a `/sleep` turn: its chat runs a turn for a while. */
  private postsSleepingChat(plan: RequestPlan): boolean {
    return plan.operation === 'post /v1/chat' && plan.auth === 'a' && plan.body?.text?.includes('/sleep') === true;
  }

  /**
   * Learns from the UI chunks of one of app a's chat streams: a turn that finished waiting for a
   * client tool call leaves its assistant message and the call pending; any other finish, nothing.
   */
  learnChat(chatId: string | null, frames: ReadonlyArray<{ data: string }>): void {
    if (!chatId) return;
    let assistantId: string | null = null;
    let toolCallId: string | null = null;
    for (const frame of frames) {
      let chunk: { type?: string; messageId?: string; toolCallId?: string; toolName?: string; finishReason?: string };
      try {
        chunk = JSON.parse(frame.data);
      } catch {
        continue;
      }
      if (chunk.type === 'start' && chunk.messageId) assistantId = chunk.messageId;
      if (chunk.type === 'tool-input-available' && chunk.toolName === 'pick' && chunk.toolCallId)
        toolCallId = chunk.toolCallId;
      if (chunk.type === 'finish') {
        if (chunk.finishReason === 'tool-calls' && assistantId && toolCallId)
          this.pendingChats.set(chatId, { assistantId, toolCallId });
        else this.pendingChats.delete(chatId);
      }
    }
  }

  /** Learns from a 2xx JSON answer (or one SSE frame's data) of a request on `sessionId`. */
  learn(sessionId: string | null, body: unknown): void {
    if (typeof body !== 'object' || body === null) return;
    const answer = body as Record<string, unknown>;
    const session = answer.session as { id?: string; appId?: string } | undefined;
    if (session?.id && session.appId === 'app-a' && !this.seed.core.includes(session.id)) push(this.spare, session.id);
    if (typeof answer.fileToken === 'string') push(this.files, answer.fileToken);
    if (typeof answer.nextCursor === 'string' && Array.isArray(answer.sessions)) this.cursor = answer.nextCursor;
    const turn = answer.turn as { events?: unknown[]; snapshotId?: string | null } | undefined;
    if (turn?.snapshotId) push(this.snapshots, turn.snapshotId);
    for (const event of turn?.events ?? []) this.learnEvent(sessionId, event);
    if (typeof answer.type === 'string') this.learnEvent(sessionId, answer);
  }

  /** Forgets the pending calls of `sessionId` (a resume answered 412: nothing is pending there). */
  forgetPending(sessionId: string): void {
    this.pending.delete(sessionId);
  }

  private learnEvent(sessionId: string | null, event: unknown): void {
    if (!sessionId || typeof event !== 'object' || event === null) return;
    const { type, data } = event as { type: string; data: Record<string, unknown> };
    const toolCallId = typeof data?.toolCallId === 'string' ? data.toolCallId : null;
    const pending = this.pending.get(sessionId) ?? [];
    if (type === 'tool-call' && toolCallId && data.executor === 'client') {
      push(pending, toolCallId);
      this.pending.set(sessionId, pending);
      if (this.pending.size > RING) this.pending.delete(this.pending.keys().next().value!);
    }
    if (type === 'tool-result' && toolCallId) {
      this.pending.set(
        sessionId,
        pending.filter((id) => id !== toolCallId),
      );
    }
    if (type === 'turn-end' && typeof data?.snapshotId === 'string') push(this.snapshots, data.snapshotId);
    // A turn that ended otherwise than interrupted leaves nothing pending (a new turn supersedes an interrupt).
    if (type === 'turn-end' && data?.stopReason !== 'interrupted') this.pending.delete(sessionId);
  }
}

function push<T>(ring: T[], value: T): void {
  if (ring.includes(value)) return;
  ring.push(value);
  if (ring.length > RING) ring.shift();
}
