import { SERVER_VERSION } from '@confab/server';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

/** A registered tracer provider, to flush and stop on shutdown. */
export interface Tracing {
  /** The endpoint spans are exported to, for the start-up line. */
  readonly endpoint: string;
  /** Exports what is still buffered and stops; never throws. */
  shutdown(): Promise<void>;
}

/**
 * Registers the OpenTelemetry SDK for the process when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set and neither `OTEL_SDK_DISABLED=true` nor
 * `OTEL_TRACES_EXPORTER=none` turns it off: spans are batched and exported over OTLP/HTTP (the
 * exporter reads the other standard `OTEL_EXPORTER_OTLP_*` variables: headers, timeout, …), with
 * `service.name` from `OTEL_SERVICE_NAME` (default `confab`). Also installs the W3C trace-context
 * propagator (incoming `traceparent`) and the async context manager. Null when not configured.
 */
export function startTracing(env: NodeJS.ProcessEnv): Tracing | null {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint || env.OTEL_SDK_DISABLED === 'true' || env.OTEL_TRACES_EXPORTER === 'none') return null;
  const resource = defaultResource().merge(
    resourceFromAttributes({
      [ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME || 'confab',
      [ATTR_SERVICE_VERSION]: SERVER_VERSION,
    }),
  );
  const provider = new NodeTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  provider.register();
  return {
    endpoint,
    shutdown: () => provider.shutdown().catch(() => undefined),
  };
}
