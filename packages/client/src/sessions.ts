import { type HttpClient, segment } from './http.js';
import type { LifecycleStream } from './lifecycle.js';
import type { CallOptions } from './options.js';
import { PendingSession, type SessionRegistry } from './registry.js';
import type { Session } from './session.js';
import type {
  CloseResult,
  CreateSessionParams,
  DeleteResult,
  ListSessionsParams,
  SessionInfo,
  SessionPage,
  UpdateSessionParams,
} from './types.js';

/** `client.sessions`: creating, finding and managing sessions. Methods on one id delegate to its handle. */
export class SessionsApi {
  /** @internal Created by the client. */
  constructor(
    private readonly http: HttpClient,
    private readonly registry: SessionRegistry,
    private readonly lifecycle: LifecycleStream,
  ) {}

  /**
   * Creates a session and returns its handle (201; with a `clientSessionId` already used in this
   * app, the existing session, 200). Retried automatically only with a `clientSessionId`, which
   * makes a repeat return the same session.
   */
  create(params: CreateSessionParams = {}, options: CallOptions = {}): Promise<Session> {
    return this.createPending(params, options).ready;
  }

  /**
   * Starts creating a session and returns at once with a {@link PendingSession}: add lifecycle
   * listeners to it before the server answers and none of the session's first events is missed.
   * The request goes out after the current synchronous code (and, while the client's lifecycle
   * stream is running, once it is connected); `ready` gives the handle.
   */
  createPending(params: CreateSessionParams = {}, options: CallOptions = {}): PendingSession {
    return new PendingSession(this.registry, params.clientSessionId ?? null, async () => {
      await this.lifecycle.whenConnected();
      const answer = await this.http.json<{ session: SessionInfo }>({
        method: 'POST',
        path: '/v1/sessions',
        json: params,
        retrySafe: params.clientSessionId !== undefined,
        signal: options.signal,
      });
      return answer.session;
    });
  }

  /** Fetches one session; another app's id is a {@link NotFoundError}. */
  get(id: string, options: CallOptions = {}): Promise<SessionInfo> {
    return this.registry.handle(id).get(options);
  }

  /** One page of sessions, newest activity first, filtered by channel, status, search text or parent. */
  list(params: ListSessionsParams = {}, options: CallOptions = {}): Promise<SessionPage> {
    return this.http.json<SessionPage>({
      method: 'GET',
      path: '/v1/sessions',
      query: {
        channel: params.channel,
        status: params.status,
        search: params.search,
        parentId: params.parentId,
        limit: params.limit,
        cursor: params.cursor,
      },
      retrySafe: true,
      signal: options.signal,
    });
  }

  /** Every session matching `params`, page after page, newest activity first. */
  async *iterate(
    params: Omit<ListSessionsParams, 'cursor'> = {},
    options: CallOptions = {},
  ): AsyncGenerator<SessionInfo> {
    let cursor: string | undefined;
    do {
      const page = await this.list({ ...params, cursor }, options);
      yield* page.sessions;
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
  }

  /** Changes title, model or meta; see {@link Session.update}. */
  update(id: string, patch: UpdateSessionParams, options: CallOptions = {}): Promise<SessionInfo> {
    return this.registry.handle(id).update(patch, options);
  }

  /** Archives a session; see {@link Session.archive}. */
  archive(id: string, options: CallOptions = {}): Promise<SessionInfo> {
    return this.registry.handle(id).archive(options);
  }

  /**
   * Soft-closes a session (idempotent, like {@link Session.close}), or with `hard: true` erases it
   * and its history.
   */
  delete(id: string, options?: { hard?: false }): Promise<CloseResult>;
  delete(id: string, options: { hard: true } & CallOptions): Promise<DeleteResult>;
  delete(id: string, options: { hard?: boolean } & CallOptions = {}): Promise<CloseResult | DeleteResult> {
    const session = this.registry.handle(id);
    return options.hard ? session.delete(options) : session.close();
  }

  /** Forks a session at a snapshot (default: the latest); see {@link Session.fork}. */
  fork(id: string, options: { snapshotId?: string } & CallOptions = {}): Promise<Session> {
    return this.registry.handle(id).fork(options);
  }

  /**
   * The active session of a channel, created (with `agent` and `model`) when there is none, in
   * one atomic step. Safe to retry: a repeat finds the session the first one created.
   */
  async resolveChannel(
    channel: string,
    params: { agent?: string; model?: string } = {},
    options: CallOptions = {},
  ): Promise<{ session: Session; created: boolean }> {
    const answer = await this.http.json<{ session: SessionInfo; created: boolean }>({
      method: 'POST',
      path: `/v1/channels/${segment(channel)}/resolve`,
      json: params,
      retrySafe: true,
      signal: options.signal,
    });
    return { session: this.registry.handleOf(answer.session), created: answer.created };
  }

  /**
   * Archives the channel's active session (if any) and starts a new one with the same agent and
   * model. `archivedSessionId` is null when the channel had no session.
   */
  async rotateChannel(
    channel: string,
    options: CallOptions = {},
  ): Promise<{ session: Session; archivedSessionId: string | null }> {
    const answer = await this.http.json<{ session: SessionInfo; archivedSessionId: string | null }>({
      method: 'POST',
      path: `/v1/channels/${segment(channel)}/rotate`,
      // A repeat would rotate twice.
      retrySafe: false,
      signal: options.signal,
    });
    return { session: this.registry.handleOf(answer.session), archivedSessionId: answer.archivedSessionId };
  }
}
