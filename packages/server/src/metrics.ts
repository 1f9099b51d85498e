import type { LifecycleBus } from 'confab';
import type { SessionStore } from 'confab/store';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

const INSTRUMENTED = Symbol.for('confab.server.instrumentedStore');

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /** Also collect the process metrics of prom-client (CPU, memory, event loop). Default true. */
  processMetrics?: boolean;
}

/**
 * The server's Prometheus metrics, in a registry of their own (several apps in one process never
 * clash). Turn counts and durations come from the pool's lifecycle bus; store latency, events
 * appended and queued inputs from a store wrapped by {@link ServerMetrics.instrumentStore}, so
 * give the Pool that wrapped store to have its writes measured.
 */
export interface ServerMetrics {
  readonly registry: Registry;
  /** Turns ended, by `stop_reason`. */
  readonly turns: Counter<'stop_reason'>;
  readonly turnDuration: Histogram;
  readonly eventsAppended: Counter;
  readonly storeLatency: Histogram<'operation' | 'outcome'>;
  readonly openStreams: Gauge<'kind'>;
  /** Inputs queued through this process and not yet consumed by a turn. */
  readonly queuedInputs: Gauge;
  readonly runningTurns: Gauge;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  /** Wraps `store` so every call is timed; wrapping twice is a no-op. */
  instrumentStore<Store extends SessionStore>(store: Store): Store;
  /** Counts turns from the bus; returns the function that stops listening. */
  observeBus(bus: LifecycleBus): () => void;
}

/** Creates the metrics of one server. */
export function createMetrics(options: MetricsOptions = {}): ServerMetrics {
  const registry = new Registry();
  // prom-client's default metrics are named `process_…` and `nodejs_…` already: `confab_` keeps them
  // apart from another library's in a shared scrape without doubling the word.
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'confab_' });
  const turns = new Counter({
    name: 'confab_turns_total',
    help: 'Turns ended, by stop reason.',
    labelNames: ['stop_reason'] as const,
    registers: [registry],
  });
  const turnDuration = new Histogram({
    name: 'confab_turn_duration_seconds',
    help: 'Duration of turns (a resumed turn: of its last segment).',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [registry],
  });
  const eventsAppended = new Counter({
    name: 'confab_events_appended_total',
    help: 'Events appended to session logs.',
    registers: [registry],
  });
  const storeLatency = new Histogram({
    name: 'confab_store_operation_duration_seconds',
    help: 'Latency of store operations.',
    labelNames: ['operation', 'outcome'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const openStreams = new Gauge({
    name: 'confab_open_streams',
    help: 'Open SSE streams, by kind (turn, events, lifecycle).',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const queuedInputs = new Gauge({
    name: 'confab_queued_inputs',
    help: 'Inputs queued through this process and not yet consumed by a turn.',
    registers: [registry],
  });
  const runningTurns = new Gauge({
    name: 'confab_running_turns',
    help: 'Turns requested over HTTP that are running or waiting for their session.',
    registers: [registry],
  });
  const httpRequests = new Counter({
    name: 'confab_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });

  const metrics: ServerMetrics = {
    registry,
    turns,
    turnDuration,
    eventsAppended,
    storeLatency,
    openStreams,
    queuedInputs,
    runningTurns,
    httpRequests,
    instrumentStore: (store) => instrument(store, metrics),
    observeBus: (bus) =>
      bus.subscribe(
        (event) => {
          turns.inc({ stop_reason: String(event.data.stopReason ?? 'unknown') });
          const durationMs = Number(event.data.durationMs);
          if (Number.isFinite(durationMs)) turnDuration.observe(durationMs / 1000);
        },
        { types: ['turn.ended'] },
      ),
  };
  return metrics;
}

function instrument<Store extends SessionStore>(store: Store, metrics: ServerMetrics): Store {
  if ((store as unknown as Record<symbol, unknown>)[INSTRUMENTED]) return store;
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === INSTRUMENTED) return true;
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      if (property === 'onAppend' || property === 'constructor') return value.bind(target);
      let timed = wrapped.get(property);
      if (!timed) {
        timed = (...args: unknown[]) => timeCall(metrics, property, () => value.apply(target, args), args);
        wrapped.set(property, timed);
      }
      return timed;
    },
  });
}

function timeCall(metrics: ServerMetrics, operation: string, call: () => unknown, args: unknown[]): unknown {
  const stop = metrics.storeLatency.startTimer({ operation });
  let result: unknown;
  try {
    result = call();
  } catch (error) {
    stop({ outcome: 'error' });
    throw error;
  }
  if (!(result instanceof Promise)) {
    stop({ outcome: 'ok' });
    return result;
  }
  return result.then(
    (value: unknown) => {
      stop({ outcome: 'ok' });
      countWrite(metrics, operation, value, args);
      return value;
    },
    (error: unknown) => {
      stop({ outcome: 'error' });
      throw error;
    },
  );
}

/** Keeps the event and queue counters in step with the writes that change them. */
function countWrite(metrics: ServerMetrics, operation: string, value: unknown, args: unknown[]): void {
  // A store with commit folding writes a runner turn's events through `appendFolded`.
  if (operation === 'appendEvents' || operation === 'appendFolded') {
    const appended = (value as { events?: unknown[] }).events?.length ?? 0;
    metrics.eventsAppended.inc(appended);
    const consumed = (args[0] as { consumeInputIds?: unknown[] } | undefined)?.consumeInputIds?.length ?? 0;
    if (consumed) metrics.queuedInputs.dec(consumed);
  } else if (operation === 'enqueueInput' && (value as { created?: boolean }).created) {
    metrics.queuedInputs.inc();
  }
}
