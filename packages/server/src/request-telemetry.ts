import { AsyncLocalStorage } from 'node:async_hooks';
import {
  context as otelContext,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { activeTraceId, type RuntimeObservation, type RuntimeObserver } from 'confab';
import type { Logger } from 'pino';

/** What log lines written during a request (also by the turns it started) carry. */
export interface RequestScope {
  requestId: string;
  /** The trace the request belongs to: its span's, or the incoming `traceparent`'s. */
  traceId?: string;
}

/**
 * The request scope of the work running now. Turns started by a request run in its scope, so the
 * runtime's observations (turn ends, provider failures) are logged with the request that caused them.
 */
const requestScope = new AsyncLocalStorage<RequestScope>();

const tracer = trace.getTracer('@confab/server');

const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/;

/** The trace id of a well-formed W3C `traceparent` header (undefined for an all-zero or bad one). */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  const traceId = traceparent ? TRACEPARENT.exec(traceparent.trim())?.[1] : undefined;
  return traceId && !/^0+$/.test(traceId) ? traceId : undefined;
}

/** A started HTTP server span and the way to finish it. */
export interface RequestSpan {
  readonly span: Span;
  /** The trace id for log lines: the span's when tracing is on, else the incoming `traceparent`'s. */
  readonly traceId: string | undefined;
  /** Runs the rest of the request inside the span's context and the request scope. */
  run<T>(requestId: string, next: () => Promise<T>): Promise<T>;
  /** Names the span after its route, records the status and ends it. */
  end(route: string, status: number): void;
}

/**
 * Starts the HTTP server span of a request, continuing the trace of an incoming `traceparent`
 * (through the globally registered propagator: without an OpenTelemetry SDK, nothing is recorded).
 */
export function startRequestSpan(method: string, path: string, headers: Headers): RequestSpan {
  const parent = propagation.extract(ROOT_CONTEXT, headers, {
    keys: (carrier) => {
      const keys: string[] = [];
      carrier.forEach((_value, key) => {
        keys.push(key);
      });
      return keys;
    },
    get: (carrier, key) => carrier.get(key) ?? undefined,
  });
  const span = tracer.startSpan(
    method,
    { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'url.path': path } },
    parent,
  );
  const spanContext = span.spanContext();
  const traceId = trace.isSpanContextValid(spanContext)
    ? spanContext.traceId
    : traceIdOf(headers.get('traceparent') ?? undefined);
  const active = trace.setSpan(parent, span);
  return {
    span,
    traceId,
    run: (requestId, next) => requestScope.run({ requestId, traceId }, () => otelContext.with(active, next)),
    end(route, status) {
      if (span.isRecording()) {
        span.updateName(`${method} ${route}`);
        span.setAttributes({ 'http.route': route, 'http.response.status_code': status });
        if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
    },
  };
}

const LEVELS: Record<RuntimeObservation['type'], 'info' | 'warn'> = {
  'turn.started': 'info',
  'turn.ended': 'info',
  'model.failed': 'warn',
  'lease.takeover': 'warn',
  'turn.recovered': 'warn',
  compaction: 'info',
};

const MESSAGES: Record<RuntimeObservation['type'], string> = {
  'turn.started': 'turn started',
  'turn.ended': 'turn ended',
  'model.failed': 'model call failed',
  'lease.takeover': 'lease taken over from an expired holder',
  'turn.recovered': 'turn left running by a stopped process closed',
  compaction: 'compaction',
};

/**
 * A {@link RuntimeObserver} that writes each observation as one log line, with the request id and
 * trace id of the request whose work it is (when there is one). Failed turns, compactions and
 * model calls are logged at `warn`.
 */
export function createLogObserver(logger: Logger): RuntimeObserver {
  return (observation) => {
    const scope = requestScope.getStore();
    const { type, ...fields } = observation;
    const line: Record<string, unknown> = { event: type, ...fields };
    if (scope) line.requestId = scope.requestId;
    const traceId = activeTraceId() ?? scope?.traceId;
    if (traceId) line.traceId = traceId;
    const failed =
      (observation.type === 'turn.ended' && observation.stopReason === 'error') ||
      (observation.type === 'compaction' && observation.error !== undefined);
    logger[failed ? 'warn' : LEVELS[type]](line, MESSAGES[type]);
  };
}
