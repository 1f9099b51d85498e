import { errorFromStreamFrame, TransportError } from './errors.js';
import type { HttpClient } from './http.js';
import { retryDelayMs, sleep } from './retry.js';
import { readServerSentEvents } from './sse.js';
import type { LifecycleEvent } from './types.js';

/** How many recent event ids are remembered to drop a repeat after a reconnect. */
const REMEMBERED_IDS = 1_000;

/** How long a session creation waits for the lifecycle stream to connect before going ahead. */
const CONNECT_WAIT_MS = 5_000;

/**
 * The app's lifecycle events over `GET /v1/lifecycle` (SSE). Runs in the background between
 * {@link start} and {@link stop}, reconnecting with backoff for as long as it runs (sending
 * `Last-Event-ID`, and dropping ids it already delivered). The server streams live events only,
 * so events emitted while disconnected are not replayed; failures go to `reportError`.
 */
export class LifecycleStream {
  private controller: AbortController | null = null;
  private connected = false;
  private waiters: Array<() => void> = [];

  constructor(
    private readonly http: HttpClient,
    private readonly deliver: (event: LifecycleEvent) => void,
    private readonly reportError: (error: unknown) => void,
  ) {}

  /** True between {@link start} and {@link stop}. */
  get running(): boolean {
    return this.controller !== null;
  }

  /** Starts the background stream; does nothing when it runs. */
  start(): void {
    if (this.controller) return;
    const controller = new AbortController();
    this.controller = controller;
    void this.run(controller.signal);
  }

  /** Closes the stream. */
  stop(): void {
    this.controller?.abort();
    this.controller = null;
    this.setConnected(false);
    this.releaseWaiters();
  }

  /**
   * Resolves once the stream is connected, so that events of a request sent afterwards are not
   * missed. Also resolves (never rejects) when the stream is not running, when a connection
   * attempt failed, or after a few seconds: a lifecycle outage must not block the caller.
   */
  whenConnected(): Promise<void> {
    if (!this.controller || this.connected) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, CONNECT_WAIT_MS);
      const waiters = this.waiters;
      function done() {
        clearTimeout(timer);
        const index = waiters.indexOf(done);
        if (index >= 0) waiters.splice(index, 1);
        resolve();
      }
      waiters.push(done);
    });
  }

  private async run(signal: AbortSignal): Promise<void> {
    let lastId: string | null = null;
    const seen = new Set<string>();
    let failures = 0;
    while (!signal.aborted) {
      try {
        const response = await this.http.send({
          method: 'GET',
          path: '/v1/lifecycle',
          headers: lastId === null ? {} : { 'Last-Event-ID': lastId },
          eventStream: true,
          retrySafe: false,
          signal,
        });
        if (signal.aborted) return;
        this.setConnected(true);
        for await (const message of readServerSentEvents(response, signal)) {
          if (message.event === 'stream-error') throw errorFromStreamFrame(message.data);
          if (message.data === '') continue;
          const event = parseLifecycleEvent(message.data, message.id);
          if (message.id !== undefined) {
            if (seen.has(message.id)) continue;
            remember(seen, message.id);
            lastId = message.id;
          }
          failures = 0;
          this.deliver(event);
        }
      } catch (error) {
        if (signal.aborted) return;
        this.reportError(error);
      }
      if (signal.aborted) return;
      this.setConnected(false);
      this.releaseWaiters();
      failures += 1;
      // Never gives up while someone listens; the delay is capped by the policy.
      const delay = retryDelayMs(this.http.retry, Math.min(failures, 30), null) ?? this.http.retry.maxDelayMs;
      await sleep(delay, signal).catch(() => undefined);
    }
  }

  private setConnected(connected: boolean): void {
    this.connected = connected;
    if (connected) this.releaseWaiters();
  }

  private releaseWaiters(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}

function parseLifecycleEvent(data: string, id: string | undefined): LifecycleEvent {
  try {
    const wire = JSON.parse(data) as Omit<LifecycleEvent, 'id'>;
    return { ...wire, id: id ?? '' };
  } catch (cause) {
    throw new TransportError('a lifecycle frame is not JSON', { cause });
  }
}

function remember(seen: Set<string>, id: string): void {
  seen.add(id);
  if (seen.size > REMEMBERED_IDS) {
    const oldest = seen.values().next().value;
    if (oldest !== undefined) seen.delete(oldest);
  }
}
