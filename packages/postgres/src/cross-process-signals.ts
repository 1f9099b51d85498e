import { newId } from 'confab';
import { AppendFanOut } from './append-fan-out.js';
import { type Database, listenConnectionConfig } from './database.js';
import { PostgresLifecycleTransport } from './lifecycle-transport.js';
import { decodeStopNotice, encodeStopNotice, STOP_CHANNEL } from './notices.js';
import { NotificationListener } from './notification-listener.js';
import type { ResolvedOptions } from './options.js';

/**
 * Everything a store tells other processes, or hears from them, over LISTEN/NOTIFY: appends,
 * stop requests and lifecycle events. They share one LISTEN connection per store, opened on the
 * first subscription.
 */
export class CrossProcessSignals {
  /** What the store's appends put in their NOTIFY, so that it can recognise its own echo. */
  readonly appendOrigin: AppendFanOut['noticeOrigin'];
  private readonly listener: NotificationListener;
  private readonly appends: AppendFanOut;
  private transport: PostgresLifecycleTransport | null = null;

  constructor(
    private readonly database: Database,
    private readonly options: ResolvedOptions,
  ) {
    this.appends = new AppendFanOut(database, options.schema, newId('store'));
    this.appendOrigin = this.appends.noticeOrigin;
    this.listener = new NotificationListener(listenConnectionConfig(options), (lostAt) => this.appends.catchUp(lostAt));
  }

  /** Reports a committed append of this store to its own `onAppend` listeners. */
  appended(sessionId: string, lastSeq: number): void {
    this.appends.emit(sessionId, lastSeq);
  }

  /** `onAppend` of the store. */
  onAppend(listener: (sessionId: string, lastSeq: number) => void): () => void {
    this.appends.attach(this.listener);
    return this.appends.add(listener);
  }

  /** `listening` of the store. */
  async listening(): Promise<void> {
    this.appends.attach(this.listener);
    await this.listener.ready();
  }

  /** `requestStop` of the store. */
  async requestStop(sessionId: string): Promise<void> {
    const payload = encodeStopNotice({ schema: this.options.schema, sessionId });
    await this.database.run('SELECT pg_notify($1, $2)', [STOP_CHANNEL, payload]);
  }

  /** `onStopRequest` of the store. */
  onStopRequest(listener: (sessionId: string) => void): () => void {
    return this.listener.subscribe(STOP_CHANNEL, (payload) => {
      const notice = decodeStopNotice(payload);
      if (notice?.schema === this.options.schema) listener(notice.sessionId);
    });
  }

  /** `lifecycleTransport` of the store: one transport on the store's connections. */
  lifecycleTransport(): PostgresLifecycleTransport {
    this.transport ??= new PostgresLifecycleTransport({
      database: this.database,
      listener: this.listener,
      schema: this.options.schema,
    });
    return this.transport;
  }

  /** Ends the LISTEN connection and stops reconnecting. */
  close(): Promise<void> {
    return this.listener.close();
  }
}
