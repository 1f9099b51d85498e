import type { LifecycleEvent, LifecycleTransport } from 'confab';
import { Database, listenConnectionConfig } from './database.js';
import { decodeLifecycleNotice, isLifecycleEvent, LIFECYCLE_CHANNEL, MAX_NOTICE_BYTES } from './notices.js';
import { NotificationListener } from './notification-listener.js';
import { type PostgresStoreOptions, resolveOptions } from './options.js';

/** Connections a transport borrows from a `PostgresStore` (see `store.lifecycleTransport()`). */
export interface SharedConnections {
  database: Database;
  listener: NotificationListener;
  /** The store's schema: notices of other schemas in the same database are ignored. */
  schema: string;
}

/** How long a large event's row is kept for subscribers to fetch it. */
const LARGE_PAYLOAD_RETENTION = "interval '10 minutes'";

/**
 * Carries lifecycle events between processes through PostgreSQL: `publish` is a NOTIFY on channel
 * `confab_lifecycle` with the event as JSON, `subscribe` LISTENs on it. An event too large for a
 * notification (over 7900 bytes) is stored in the schema's `lifecycle_payloads` table and only
 * its row id is notified; subscribers fetch it (rows are pruned after ten minutes).
 *
 * Delivery is at most once per subscriber and not ordered across publishers; every process's
 * subscribers see every event, their own process's included (`LifecycleBus` drops duplicates by
 * id). Events published while this process's LISTEN connection is down are not replayed.
 *
 * Build it from the store's options (it then opens its own connections, and `close()` ends them)
 * or get one sharing the store's connections from `store.lifecycleTransport()`. Large events need
 * the schema migrated (`store.migrate()`).
 */
export class PostgresLifecycleTransport implements LifecycleTransport {
  private readonly connections: SharedConnections;
  private readonly ownsConnections: boolean;

  /** Opens nothing yet: connections are made on the first publish or subscription. */
  constructor(source: PostgresStoreOptions | SharedConnections) {
    if ('database' in source) {
      this.connections = source;
      this.ownsConnections = false;
    } else {
      const options = resolveOptions(source);
      this.connections = {
        database: new Database(options),
        listener: new NotificationListener(listenConnectionConfig(options)),
        schema: options.schema,
      };
      this.ownsConnections = true;
    }
  }

  /** Sends `event` to every subscribed process once this resolves; `unavailable` when the database is unreachable. */
  async publish(event: LifecycleEvent): Promise<void> {
    const { database, schema } = this.connections;
    const payload = JSON.stringify({ schema, event });
    if (Buffer.byteLength(payload) <= MAX_NOTICE_BYTES) {
      await database.run('SELECT pg_notify($1, $2)', [LIFECYCLE_CHANNEL, payload]);
      return;
    }
    const table = database.tables.lifecyclePayloads;
    await database.run(
      `WITH stored AS (INSERT INTO ${table} (payload) VALUES ($3::json) RETURNING id),
            pruned AS (DELETE FROM ${table} WHERE created_at < now() - ${LARGE_PAYLOAD_RETENTION})
       SELECT pg_notify($1, json_build_object('schema', $2::text, 'payloadId', stored.id)::text) FROM stored`,
      [LIFECYCLE_CHANNEL, schema, JSON.stringify(event)],
    );
  }

  /** Calls `listener` with every event published (by any process) from now on; returns the unsubscribe function. */
  subscribe(listener: (event: LifecycleEvent) => void): () => void {
    const { listener: notifications, schema } = this.connections;
    return notifications.subscribe(LIFECYCLE_CHANNEL, (payload) => {
      const notice = decodeLifecycleNotice(payload);
      if (!notice || notice.schema !== schema) return;
      if ('event' in notice) {
        listener(notice.event);
        return;
      }
      this.fetchLarge(notice.payloadId).then(
        (event) => event && listener(event),
        () => undefined,
      );
    });
  }

  /** Resolves once subscriptions made so far receive events (the LISTEN connection is up). */
  ready(): Promise<void> {
    return this.connections.listener.ready();
  }

  /** Ends the connections this transport opened itself; a transport from the store leaves them to the store. */
  async close(): Promise<void> {
    if (!this.ownsConnections) return;
    await this.connections.listener.close();
    await this.connections.database.close();
  }

  private async fetchLarge(payloadId: number): Promise<LifecycleEvent | null> {
    const { database } = this.connections;
    const row = await database.reads.row<{ payload: unknown }>(
      `SELECT payload FROM ${database.tables.lifecyclePayloads} WHERE id = $1`,
      [payloadId],
    );
    return row && isLifecycleEvent(row.payload) ? row.payload : null;
  }
}
