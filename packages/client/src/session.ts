import { resumableEventStream } from './event-stream.js';
import { type HttpClient, segment } from './http.js';
import { newIdempotencyKey } from './ids.js';
import type { LifecycleEventName, LifecycleHandler, LifecycleListeners } from './listeners.js';
import type { CallOptions, EventStreamOptions, SendOptions, SessionEventsApi } from './options.js';
import { SerialQueue } from './serial-queue.js';
import type { TurnResult } from './turn-result.js';
import { TurnStream } from './turn-stream.js';
import { type ResumeOptions, runResume, runTurn, streamResume, streamTurn, type TurnOptions } from './turns.js';
import type {
  CloseResult,
  CompactResult,
  DeleteResult,
  EventPage,
  MessagePage,
  ResumeAnswers,
  SessionInfo,
  SnapshotInfo,
  StopResult,
  StreamEvent,
  UpdateSessionParams,
} from './types.js';

/** What a session handle needs from its client. */
export interface SessionServices {
  http: HttpClient;
  /** The handle of a session the API answered with (fork): one handle per id. */
  handleOf(info: SessionInfo): Session;
  /** Keeps `session` reachable for lifecycle events while it has listeners. */
  watch(session: Session, watching: boolean): void;
  /** A fresh listener set bound to the client's lifecycle stream. */
  newListeners(onSizeChange: (size: number) => void): LifecycleListeners;
}

/**
 * A handle on one session. Turn calls (`turn`, `stream`, `resume`, `resumeStream`) on one handle
 * are sent in call order, each once the one before it ended, even when called concurrently;
 * `send` calls keep their order among themselves; everything else goes out at once. The handle
 * holds no connection while idle.
 */
export class Session {
  /** Persisted events as a JSON page; `events.stream()` follows them live. */
  readonly events: SessionEventsApi;
  private currentInfo: SessionInfo | null;
  private readonly turns = new SerialQueue();
  private readonly inputs = new SerialQueue();
  private closing: Promise<CloseResult> | null = null;
  private readonly listeners: LifecycleListeners;

  /** @internal Handles come from `client.session(id)`, `client.sessions.create` and the like. */
  constructor(
    private readonly services: SessionServices,
    /** The server-assigned session id. */
    readonly id: string,
    info: SessionInfo | null,
  ) {
    this.currentInfo = info;
    this.listeners = services.newListeners((size) => services.watch(this, size > 0));
    this.events = Object.assign(
      (options?: { after?: number; limit?: number } & CallOptions) => this.eventPage(options),
      {
        stream: (options?: EventStreamOptions) => this.eventStream(options),
      },
    );
  }

  /** The session object last answered by the server for this handle, or null when none was yet. */
  get info(): SessionInfo | null {
    return this.currentInfo;
  }

  /** Fetches the session (`GET /v1/sessions/{id}`) and refreshes {@link info}. */
  async get(options: CallOptions = {}): Promise<SessionInfo> {
    const answer = await this.http.json<{ session: SessionInfo }>({
      method: 'GET',
      path: this.path(),
      retrySafe: true,
      signal: options.signal,
    });
    return this.remember(answer.session);
  }

  /** Changes title, model or meta (`meta` is merged: a `null` value removes a key). */
  async update(patch: UpdateSessionParams, options: CallOptions = {}): Promise<SessionInfo> {
    const answer = await this.http.json<{ session: SessionInfo }>({
      method: 'PATCH',
      path: this.path(),
      json: patch,
      // Setting the same fields twice leaves the same session.
      retrySafe: true,
      signal: options.signal,
    });
    return this.remember(answer.session);
  }

  /** Archives the session: history kept, runner freed, off the channel. */
  async archive(options: CallOptions = {}): Promise<SessionInfo> {
    const answer = await this.http.json<{ session: SessionInfo }>({
      method: 'POST',
      path: this.path('archive'),
      retrySafe: true,
      signal: options.signal,
    });
    return this.remember(answer.session);
  }

  /**
   * Soft-closes the session (`DELETE`): no more turns, history kept until retention erases it.
   * Idempotent on this handle: later calls make no request and share the first call's answer;
   * after a failure the next call tries again.
   */
  close(): Promise<CloseResult> {
    if (!this.closing) {
      const closing = this.http
        .json<CloseResult>({ method: 'DELETE', path: this.path(), retrySafe: true })
        .catch((error: unknown) => {
          if (this.closing === closing) this.closing = null;
          throw error;
        });
      this.closing = closing;
    }
    return this.closing;
  }

  /** Erases the session and its history for good (`DELETE ?hard=true`). */
  delete(options: CallOptions = {}): Promise<DeleteResult> {
    return this.http.json<DeleteResult>({
      method: 'DELETE',
      path: this.path(),
      query: { hard: true },
      // A repeat after a lost answer would say 404 although the first one worked.
      retrySafe: false,
      signal: options.signal,
    });
  }

  /**
   * Runs a turn and answers with its result (JSON). With `tools` and `onApproval`, client-side
   * tool calls and approval requests are answered through `/resume` until the turn ends; an
   * interrupt without a handler is left to you (`stopReason: "interrupted"`).
   */
  turn(input: string, options: TurnOptions = {}): Promise<TurnResult> {
    return this.turns.run(() => runTurn(this.target(), input, options));
  }

  /**
   * Like {@link turn}, streaming every event (deltas included) as it happens; see {@link TurnStream}.
   * A dropped connection is re-attached (`GET …/events` with `Last-Event-ID`) until `turn-end`.
   * With handlers, an `interrupted` turn-end is followed by the events of the streamed resume.
   */
  stream(input: string, options: TurnOptions = {}): TurnStream {
    return new TurnStream(
      (signal, emit) => this.turns.run(() => streamTurn(this.target(), input, options, signal, emit)),
      options.signal,
    );
  }

  /** Answers an interrupted turn's pending tool calls and approvals (JSON), then goes on like {@link turn}. */
  resume(answers: ResumeAnswers, options: ResumeOptions = {}): Promise<TurnResult> {
    return this.turns.run(() => runResume(this.target(), answers, options));
  }

  /** Like {@link resume}, streaming the events from the resume on. */
  resumeStream(answers: ResumeAnswers, options: ResumeOptions = {}): TurnStream {
    return new TurnStream(
      (signal, emit) => this.turns.run(() => streamResume(this.target(), answers, options, signal, emit)),
      options.signal,
    );
  }

  /** Queues an input for the next turn, which the server runs, batching inputs that queue up (202). */
  send(input: string, options: SendOptions = {}): Promise<{ inputId: string }> {
    const key = options.idempotencyKey ?? newIdempotencyKey();
    const body: Record<string, unknown> = { input };
    if (options.files !== undefined) body.files = options.files;
    return this.inputs.run(() =>
      this.http.json<{ inputId: string }>({
        method: 'POST',
        path: this.path('inputs'),
        json: body,
        headers: { 'Idempotency-Key': key },
        retrySafe: true,
        signal: options.signal,
      }),
    );
  }

  /** Stops the running turn (`stopReason: "aborted"`); `stopped` is false when none ran. Not queued behind turns. */
  stop(options: CallOptions = {}): Promise<StopResult> {
    return this.http.json<StopResult>({
      method: 'POST',
      path: this.path('stop'),
      retrySafe: true,
      signal: options.signal,
    });
  }

  /** Forks the session at a snapshot (default: the latest) into a new session sharing its history. */
  async fork(options: { snapshotId?: string } & CallOptions = {}): Promise<Session> {
    const answer = await this.http.json<{ session: SessionInfo }>({
      method: 'POST',
      path: this.path('fork'),
      json: options.snapshotId === undefined ? {} : { snapshotId: options.snapshotId },
      retrySafe: false,
      signal: options.signal,
    });
    return this.services.handleOf(answer.session);
  }

  /** Compacts the history now; `compacted` is false (and the rest null) when there was nothing to compact. */
  compact(options: CallOptions = {}): Promise<CompactResult> {
    return this.http.json<CompactResult>({
      method: 'POST',
      path: this.path('compact'),
      retrySafe: false,
      signal: options.signal,
    });
  }

  /** The conversation as AI SDK model messages after the latest summary, oldest first, and that summary. */
  messages(options: { cursor?: string; limit?: number } & CallOptions = {}): Promise<MessagePage> {
    return this.http.json<MessagePage>({
      method: 'GET',
      path: this.path('messages'),
      query: { cursor: options.cursor, limit: options.limit },
      retrySafe: true,
      signal: options.signal,
    });
  }

  /** The session's snapshots, oldest first. */
  async snapshots(options: CallOptions = {}): Promise<SnapshotInfo[]> {
    const answer = await this.http.json<{ snapshots: SnapshotInfo[] }>({
      method: 'GET',
      path: this.path('snapshots'),
      retrySafe: true,
      signal: options.signal,
    });
    return answer.snapshots;
  }

  /**
   * Calls `handler` for this session's lifecycle events (`*` for all). Opens the client's
   * lifecycle stream if needed; the returned function removes the handler.
   */
  on(type: LifecycleEventName, handler: LifecycleHandler): () => void {
    return this.listeners.add(type, handler);
  }

  /** @internal The handle's lifecycle listeners, for the client's dispatch. */
  get lifecycleListeners(): LifecycleListeners {
    return this.listeners;
  }

  /** @internal Records a session object answered elsewhere (create, list) for {@link info}. */
  remember(info: SessionInfo): SessionInfo {
    this.currentInfo = info;
    return info;
  }

  private eventPage(options: { after?: number; limit?: number } & CallOptions = {}): Promise<EventPage> {
    return this.http.json<EventPage>({
      method: 'GET',
      path: this.path('events'),
      query: { after: options.after, limit: options.limit },
      retrySafe: true,
      signal: options.signal,
    });
  }

  private eventStream(options: EventStreamOptions = {}): AsyncIterable<StreamEvent> {
    return {
      [Symbol.asyncIterator]: () =>
        resumableEventStream({
          http: this.http,
          sessionId: this.id,
          after: options.after ?? 0,
          signal: options.signal,
        }),
    };
  }

  private get http(): HttpClient {
    return this.services.http;
  }

  private target() {
    return { http: this.http, sessionId: this.id };
  }

  private path(action?: string): string {
    const base = `/v1/sessions/${segment(this.id)}`;
    return action ? `${base}/${action}` : base;
  }
}
