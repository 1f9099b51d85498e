import type { LifecycleEvent, LifecycleType } from './types.js';

/** A lifecycle event type to listen to, or `*` for all of them. */
export type LifecycleEventName = LifecycleType | '*';

/** Receives a lifecycle event. Errors it throws are reported to the client's `onError`, never rethrown. */
export type LifecycleHandler = (event: LifecycleEvent) => void;

/** Keeps the lifecycle stream open while someone listens: started on the first, stopped after the last. */
export interface LifecycleSubscriptions {
  retain(): void;
  release(): void;
  /** Where a handler's error goes. */
  reportError(error: unknown): void;
}

/**
 * Lifecycle handlers by event type, for the client or one session handle. Every handler counts as
 * a subscription of the shared lifecycle stream. A pending session's listeners are merged into its
 * handle once it exists ({@link absorb}); removers handed out before keep working.
 */
export class LifecycleListeners {
  private readonly handlers = new Map<LifecycleEventName, Set<LifecycleHandler>>();
  private target: LifecycleListeners | null = null;

  constructor(
    private readonly subscriptions: LifecycleSubscriptions,
    private readonly onSizeChange: (size: number) => void = () => undefined,
  ) {}

  /** Number of registered handlers. */
  get size(): number {
    let size = 0;
    for (const set of this.handlers.values()) size += set.size;
    return size;
  }

  /** Registers `handler`; the returned function removes it (calling it again does nothing). */
  add(type: LifecycleEventName, handler: LifecycleHandler): () => void {
    if (this.target) return this.target.add(type, handler);
    let set = this.handlers.get(type);
    if (!set) {
      set = new Set();
      this.handlers.set(type, set);
    }
    if (set.has(handler)) return () => this.remove(type, handler);
    set.add(handler);
    this.subscriptions.retain();
    this.onSizeChange(this.size);
    return () => this.remove(type, handler);
  }

  /** Calls the handlers of `event.type` and `*`, in registration order. */
  emit(event: LifecycleEvent): void {
    const handlers = [...(this.handlers.get(event.type) ?? []), ...(this.handlers.get('*') ?? [])];
    for (const handler of handlers) {
      try {
        handler(event);
      } catch (error) {
        this.subscriptions.reportError(error);
      }
    }
  }

  /** Moves `other`'s handlers here; later calls on `other` act here. */
  absorb(other: LifecycleListeners): void {
    if (other === this) return;
    for (const [type, set] of other.handlers) {
      for (const handler of set) {
        // The subscription moves with the handler: add retains, the release below balances it.
        this.add(type, handler);
        other.subscriptions.release();
      }
    }
    other.handlers.clear();
    other.target = this;
    other.onSizeChange(0);
  }

  /** Removes every handler. */
  clear(): void {
    for (const [type, set] of [...this.handlers]) {
      for (const handler of [...set]) this.remove(type, handler);
    }
  }

  private remove(type: LifecycleEventName, handler: LifecycleHandler): void {
    if (this.target) {
      this.target.remove(type, handler);
      return;
    }
    const set = this.handlers.get(type);
    if (!set?.delete(handler)) return;
    if (set.size === 0) this.handlers.delete(type);
    this.subscriptions.release();
    this.onSizeChange(this.size);
  }
}
