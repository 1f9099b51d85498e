import { errors } from 'confab';
import pg, { type ClientConfig } from 'pg';
import { quoteIdentifier } from './tables.js';

/** Receives the payload of one notification. */
export type NotificationHandler = (payload: string) => void;

const FIRST_RETRY_DELAY_MS = 100;
const MAX_RETRY_DELAY_MS = 5_000;
/** How often the idle LISTEN connection proves it is still alive (TCP alone may not notice for hours). */
const HEARTBEAT_MS = 15_000;

/**
 * One dedicated connection that LISTENs on the channels handlers subscribed to. It is opened on
 * the first subscription, and re-opened (with backoff, for ever) whenever it is lost, re-LISTENing
 * every channel; `onReconnected` is then told since when notifications may have been missed, so
 * the owner can catch up. Handlers never see errors; a throwing handler is ignored.
 */
export class NotificationListener {
  private readonly handlers = new Map<string, Set<NotificationHandler>>();
  private readonly waiters = new Set<() => void>();
  /** The connection once every subscribed channel is LISTENed on it; null while (re)connecting. */
  private client: pg.Client | null = null;
  /** The connection being opened or in use, so that `close()` can end it at any stage. */
  private current: pg.Client | null = null;
  private listened = new Set<string>();
  private pendingListens: Promise<unknown> = Promise.resolve();
  private running: Promise<void> | null = null;
  private wakeRetry: (() => void) | null = null;
  private closed = false;

  constructor(
    private readonly config: ClientConfig,
    private readonly onReconnected: (lostAt: Date) => void = () => undefined,
  ) {}

  /** Calls `handler` with every notification on `channel`; returns the unsubscribe function. */
  subscribe(channel: string, handler: NotificationHandler): () => void {
    if (this.closed) return () => undefined;
    let handlers = this.handlers.get(channel);
    if (!handlers) {
      handlers = new Set();
      this.handlers.set(channel, handlers);
    }
    handlers.add(handler);
    // A failure ends the connection, and the reconnection LISTENs again: nothing to report here.
    if (this.client) this.listenOnNewChannels(this.client).catch(() => undefined);
    this.running ??= this.run();
    return () => {
      // The channel stays LISTENed: an idle LISTEN costs nothing, and re-subscribing is then instant.
      handlers.delete(handler);
    };
  }

  /**
   * Resolves once the connection is up and LISTENs on every channel subscribed so far, so that
   * notifications sent from now on are received. Waits as long as the database is unreachable;
   * fails with `unavailable` once closed.
   */
  async ready(): Promise<void> {
    this.running ??= this.run();
    for (;;) {
      if (this.closed) throw errors.unavailable('the store is closed');
      const client = this.client;
      if (client) {
        await this.pendingListens;
        if (this.client === client) return;
        continue;
      }
      await new Promise<void>((resolve) => this.waiters.add(resolve));
    }
  }

  /** Ends the connection and stops reconnecting. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    this.wakeRetry?.();
    this.current?.end().catch(() => undefined);
    this.wakeWaiters();
    await this.running;
  }

  private async run(): Promise<void> {
    let delay = FIRST_RETRY_DELAY_MS;
    let lostAt: Date | null = null;
    while (!this.closed) {
      // Pipeline mode: LISTENs and heartbeats may overlap without queueing warnings.
      const client = new pg.Client({ ...this.config, pipeline: true });
      this.current = client;
      const ended = new Promise<void>((resolve) => {
        client.once('end', resolve);
        // Without a listener an 'error' event would crash the process; the loop reconnects instead.
        client.on('error', () => resolve());
      });
      client.on('notification', (message) => this.dispatch(message.channel, message.payload ?? ''));
      const heartbeat = setInterval(() => {
        client.query('SELECT 1').catch(() => client.end().catch(() => undefined));
      }, HEARTBEAT_MS);
      heartbeat.unref();
      try {
        await client.connect();
        this.listened = new Set();
        await this.listenOnNewChannels(client);
        if (this.closed) break;
        this.client = client;
        delay = FIRST_RETRY_DELAY_MS;
        this.wakeWaiters();
        if (lostAt) this.onReconnected(lostAt);
        lostAt = null;
        await ended;
      } catch {
        // Connecting or LISTEN failed: treated like a lost connection.
      } finally {
        clearInterval(heartbeat);
        this.client = null;
        this.current = null;
        client.end().catch(() => undefined);
      }
      lostAt ??= new Date();
      if (!this.closed) await this.pause(delay);
      delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS);
    }
  }

  /** LISTENs on every subscribed channel not yet LISTENed on `client`; resolves when done. */
  private listenOnNewChannels(client: pg.Client): Promise<unknown> {
    const listens: Promise<unknown>[] = [];
    for (const channel of this.handlers.keys()) {
      if (this.listened.has(channel)) continue;
      this.listened.add(channel);
      listens.push(client.query(`LISTEN ${quoteIdentifier(channel)}`));
    }
    const all = Promise.all(listens);
    // A failed LISTEN means a broken connection: end it, and the loop reconnects and LISTENs again.
    this.pendingListens = Promise.all([this.pendingListens, all.catch(() => client.end().catch(() => undefined))]);
    return all;
  }

  private dispatch(channel: string, payload: string): void {
    for (const handler of this.handlers.get(channel) ?? []) {
      try {
        handler(payload);
      } catch {
        // One failing handler must not starve the others or the connection.
      }
    }
  }

  private wakeWaiters(): void {
    for (const wake of this.waiters) wake();
    this.waiters.clear();
  }

  /** Waits `ms` before the next attempt, or less when closed meanwhile; never keeps the process alive. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeRetry = done;
    });
  }
}
