import { FilesApi } from './files.js';
import { type FetchFunction, HttpClient, type TokenSource } from './http.js';
import { LifecycleStream } from './lifecycle.js';
import { type LifecycleEventName, type LifecycleHandler, LifecycleListeners } from './listeners.js';
import type { CallOptions } from './options.js';
import { SessionRegistry } from './registry.js';
import { type RetryOptions, resolveRetryPolicy } from './retry.js';
import type { Session } from './session.js';
import { SessionsApi } from './sessions.js';
import type { HealthInfo } from './types.js';

/** Options of {@link ConfabClient}. */
export interface ConfabClientOptions {
  /** Where the API is, e.g. `http://127.0.0.1:8787` (a path prefix is kept: `https://host/confab`). */
  baseUrl: string;
  /** The app's bearer token, or a function returning the current one (called per request). */
  token: TokenSource;
  /** A `fetch` to use instead of the global one (proxies, tests, instrumentation). */
  fetch?: FetchFunction;
  /** Retries of safe requests and reconnects of streams; `false` for none. */
  retry?: RetryOptions | false;
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
  /**
   * Receives background failures: lifecycle stream errors (it keeps reconnecting) and errors
   * thrown by lifecycle handlers. Default: ignored.
   */
  onError?: (error: unknown) => void;
}

/**
 * The Confab API client. Uses only `fetch`, `ReadableStream`, `TextDecoder`, `AbortController`
 * and timers, so it runs in browsers and Node 20 alike. It holds no connection until you listen
 * to lifecycle events ({@link on}) or stream.
 */
export class ConfabClient {
  /** Creating, listing and managing sessions. */
  readonly sessions: SessionsApi;
  /** File uploads. */
  readonly files: FilesApi;
  private readonly http: HttpClient;
  private readonly registry: SessionRegistry;
  private readonly lifecycle: LifecycleStream;
  private readonly listeners: LifecycleListeners;
  private subscriptionCount = 0;

  constructor(options: ConfabClientOptions) {
    if (!options.baseUrl) throw new TypeError('baseUrl is required');
    this.http = new HttpClient({
      baseUrl: options.baseUrl,
      token: options.token,
      fetch: options.fetch,
      retry: resolveRetryPolicy(options.retry),
      headers: options.headers,
    });
    const reportError = options.onError ?? (() => undefined);
    const subscriptions = {
      retain: () => {
        this.subscriptionCount += 1;
        this.lifecycle.start();
      },
      release: () => {
        this.subscriptionCount -= 1;
        if (this.subscriptionCount === 0) this.lifecycle.stop();
      },
      reportError,
    };
    this.registry = new SessionRegistry(this.http, subscriptions);
    this.listeners = new LifecycleListeners(subscriptions);
    this.lifecycle = new LifecycleStream(
      this.http,
      (event) => {
        // Handles first, so a client handler that asks for the session's handle gets the one
        // that was just materialized.
        this.registry.dispatch(event);
        this.listeners.emit(event);
      },
      reportError,
    );
    this.sessions = new SessionsApi(this.http, this.registry, this.lifecycle);
    this.files = new FilesApi(this.http);
  }

  /**
   * The handle of session `id`, without a request. The same handle is returned while it is in
   * use, so turns through it keep their call order.
   */
  session(id: string): Session {
    return this.registry.handle(id);
  }

  /**
   * Calls `handler` for the app's lifecycle events of `type` (`*` for all) from `GET /v1/lifecycle`,
   * opened on the first listener and closed after the last one is removed. The returned function
   * removes the handler. Events emitted while the stream reconnects are not replayed.
   */
  on(type: LifecycleEventName, handler: LifecycleHandler): () => void {
    return this.listeners.add(type, handler);
  }

  /** `GET /healthz` (no token needed, sent anyway). */
  health(options: CallOptions = {}): Promise<HealthInfo> {
    return this.http.json<HealthInfo>({ method: 'GET', path: '/healthz', retrySafe: true, signal: options.signal });
  }

  /**
   * Closes the lifecycle stream. Listeners stay registered; adding another one reopens it.
   * Requests and streams in flight are not affected (abort them with their signals).
   */
  disconnect(): void {
    this.lifecycle.stop();
  }
}
