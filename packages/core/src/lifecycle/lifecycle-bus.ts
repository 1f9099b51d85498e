import type { JsonObject } from '../model/json.js';
import type { SessionRecord } from '../model/session.js';
import { newId } from '../util/ids.js';

/** The lifecycle event types (DESIGN §1.11). */
export const LIFECYCLE_TYPES = [
  'session.created',
  'session.updated',
  'session.archived',
  'session.closed',
  'session.deleted',
  'session.idle',
  'session.error',
  'turn.started',
  'turn.ended',
] as const;

/** A lifecycle event type. */
export type LifecycleType = (typeof LIFECYCLE_TYPES)[number];

/** `{ type, sessionId, clientSessionId, appId, at, data }` plus an opaque, unique `id`. */
export interface LifecycleEvent {
  id: string;
  type: LifecycleType;
  sessionId: string;
  clientSessionId: string | null;
  appId: string;
  at: string;
  data: JsonObject;
}

/** Carries lifecycle events between processes (e.g. PostgreSQL LISTEN/NOTIFY). */
export interface LifecycleTransport {
  publish(event: LifecycleEvent): Promise<void> | void;
  /** Delivers events published by any process, this one included or not. */
  subscribe(listener: (event: LifecycleEvent) => void): () => void;
}

/** Which events a subscriber wants. */
export interface LifecycleFilter {
  types?: LifecycleType[];
  appId?: string;
}

type Listener = { listener: (event: LifecycleEvent) => void; filter: LifecycleFilter };

/**
 * The lifecycle bus: emit after a change is committed; subscribe to all events or by type and app.
 * With a transport, events reach every process's subscribers exactly once each.
 */
export class LifecycleBus {
  private readonly listeners = new Set<Listener>();
  private readonly seen = new Set<string>();
  private readonly seenOrder: string[] = [];
  private readonly detach: () => void;

  constructor(private readonly transport?: LifecycleTransport) {
    this.detach = transport ? transport.subscribe((event) => this.deliver(event)) : () => undefined;
  }

  /** Publishes an event about `session`. Call only after the change it reports is durable. */
  emit(
    type: LifecycleType,
    session: Pick<SessionRecord, 'id' | 'appId' | 'clientSessionId'>,
    data: JsonObject = {},
  ): LifecycleEvent {
    const event: LifecycleEvent = {
      id: newId('evt'),
      type,
      sessionId: session.id,
      clientSessionId: session.clientSessionId,
      appId: session.appId,
      at: new Date().toISOString(),
      data,
    };
    this.deliver(event);
    if (this.transport) Promise.resolve(this.transport.publish(event)).catch(() => undefined);
    return event;
  }

  /** Calls `listener` for each matching event; returns the unsubscribe function. */
  subscribe(listener: (event: LifecycleEvent) => void, filter: LifecycleFilter = {}): () => void {
    const entry = { listener, filter };
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  /** Detaches from the transport. */
  close(): void {
    this.detach();
    this.listeners.clear();
  }

  private deliver(event: LifecycleEvent): void {
    // A transport may echo this process's own events back: deliver each id once.
    if (this.seen.has(event.id)) return;
    this.seen.add(event.id);
    this.seenOrder.push(event.id);
    if (this.seenOrder.length > 10_000) this.seen.delete(this.seenOrder.shift() as string);
    for (const { listener, filter } of this.listeners) {
      if (filter.appId !== undefined && filter.appId !== event.appId) continue;
      if (filter.types && !filter.types.includes(event.type)) continue;
      try {
        listener(event);
      } catch {
        // A failing subscriber must not break the emitter or other subscribers.
      }
    }
  }
}
