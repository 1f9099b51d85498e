import type { HttpClient } from './http.js';
import {
  type LifecycleEventName,
  type LifecycleHandler,
  LifecycleListeners,
  type LifecycleSubscriptions,
} from './listeners.js';
import { Session, type SessionServices } from './session.js';
import type { LifecycleEvent, SessionInfo } from './types.js';

/**
 * The client's session handles: one per id while it is in use, so per-handle turn ordering holds
 * for everyone who asks for the same id. Handles are held weakly (a client used for millions of
 * sessions does not keep them all) except while they have lifecycle listeners, which must keep
 * receiving events. Pending creations are matched to lifecycle events by `clientSessionId`.
 */
export class SessionRegistry {
  readonly services: SessionServices;
  private readonly handles = new Map<string, WeakRef<Session>>();
  private readonly finalizer = new FinalizationRegistry<string>((id) => {
    if (!this.handles.get(id)?.deref()) this.handles.delete(id);
  });
  private readonly watched = new Map<string, Session>();
  private readonly pending = new Set<PendingSession>();

  constructor(http: HttpClient, subscriptions: LifecycleSubscriptions) {
    this.services = {
      http,
      handleOf: (info) => this.handleOf(info),
      watch: (session, watching) => {
        if (watching) this.watched.set(session.id, session);
        else this.watched.delete(session.id);
      },
      newListeners: (onSizeChange) => new LifecycleListeners(subscriptions, onSizeChange),
    };
  }

  /** The handle of session `id`: the one in use, or a new one. */
  handle(id: string): Session {
    const existing = this.handles.get(id)?.deref();
    if (existing) return existing;
    const session = new Session(this.services, id, null);
    this.handles.set(id, new WeakRef(session));
    this.finalizer.register(session, id);
    return session;
  }

  /** The handle of a session the API answered with, its `info` updated. */
  handleOf(info: SessionInfo): Session {
    const session = this.handle(info.id);
    session.remember(info);
    return session;
  }

  /** Makes `pending` eligible for matching until {@link forget}. */
  track(pending: PendingSession): void {
    this.pending.add(pending);
  }

  /** Ends the matching of `pending` (its creation settled). */
  forget(pending: PendingSession): void {
    this.pending.delete(pending);
  }

  /**
   * Routes a lifecycle event to its session's handle. An event of a session that has no handle
   * yet but matches a pending creation's `clientSessionId` materializes that handle first, so
   * listeners registered on the pending session get it even when it beats the create answer.
   */
  dispatch(event: LifecycleEvent): void {
    if (event.clientSessionId !== null) {
      for (const pending of this.pending) {
        if (pending.clientSessionId === event.clientSessionId) pending.materialize(event.sessionId, null);
      }
    }
    const session = this.watched.get(event.sessionId) ?? this.handles.get(event.sessionId)?.deref();
    session?.lifecycleListeners.emit(event);
  }
}

/**
 * A session being created. Its handle ({@link session}) appears as soon as the server's id is
 * known: from the create answer, or from the `session.created` lifecycle event matched by
 * `clientSessionId`, whichever comes first. Listeners added with {@link on} before then move to
 * that handle, so they see the session's first events.
 */
export class PendingSession {
  /** Resolves with the handle once the create answer arrived; rejects when creation failed. */
  readonly ready: Promise<Session>;
  private materialized: Session | null = null;
  private readonly listeners: LifecycleListeners;

  /** @internal Created by `client.sessions.createPending`. */
  constructor(
    private readonly registry: SessionRegistry,
    /** The `clientSessionId` the session is created with, or null. */
    readonly clientSessionId: string | null,
    create: (pending: PendingSession) => Promise<SessionInfo>,
  ) {
    this.listeners = registry.services.newListeners(() => undefined);
    registry.track(this);
    this.ready = Promise.resolve()
      // Starts after the caller's synchronous code, which may still add listeners.
      .then(() => create(this))
      .then((info) => this.materialize(info.id, info))
      .finally(() => {
        registry.forget(this);
        // Listeners of a creation that failed would hold the lifecycle stream open for nothing.
        if (!this.materialized) this.listeners.clear();
      });
  }

  /** The handle, once the server's id is known; null before. */
  get session(): Session | null {
    return this.materialized;
  }

  /** Calls `handler` for this session's lifecycle events; the returned function removes it. */
  on(type: LifecycleEventName, handler: LifecycleHandler): () => void {
    return this.materialized ? this.materialized.on(type, handler) : this.listeners.add(type, handler);
  }

  /** @internal Binds this creation to the server's session id (first caller wins). */
  materialize(id: string, info: SessionInfo | null): Session {
    if (!this.materialized) {
      this.materialized = this.registry.handle(id);
      this.materialized.lifecycleListeners.absorb(this.listeners);
    }
    if (info) this.materialized.remember(info);
    return this.materialized;
  }
}
