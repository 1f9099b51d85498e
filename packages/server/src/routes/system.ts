import type { ServerContext } from '../context.js';
import { buildOpenApiDocument } from '../openapi.js';
import type { RouteTable } from '../route-table.js';

const OPENAPI_PATH = '/v1/openapi.json';

/** How long `/healthz` waits for the store before reporting it unhealthy. */
const HEALTH_TIMEOUT_MS = 2000;

/**
 * `GET /healthz` (no auth): `{ ok, version, store }`, 200 when the store answers and the server
 * is not shutting down, else 503. `GET /metrics` (no auth; absent when metrics are disabled):
 * Prometheus text. `GET /v1/openapi.json`: the OpenAPI 3.1 document, its `servers` the prefix the
 * app is mounted under (`/` at the root).
 */
export function registerSystemRoutes(routes: RouteTable, server: ServerContext): void {
  routes.add('GET', '/healthz', async (context) => {
    const storeOk = await probeStore(server);
    const ok = storeOk && !server.draining;
    return context.json({ ok, version: server.version, store: server.store.kind }, ok ? 200 : 503);
  });

  const metrics = server.metrics;
  if (metrics) {
    routes.add('GET', '/metrics', async (context) => {
      const text = await metrics.registry.metrics();
      return context.body(text, 200, { 'Content-Type': metrics.registry.contentType });
    });
  }

  let document: Record<string, unknown> | null = null;
  routes.add('GET', OPENAPI_PATH, (context) => {
    document ??= buildOpenApiDocument(server.version);
    // Mounted under a prefix (`parent.route('/confab', app)`), the request path carries it and the
    // document's paths are relative to it.
    const prefix = context.req.path.slice(0, -OPENAPI_PATH.length);
    return context.json({ ...document, servers: [{ url: prefix || '/' }] });
  });
}

async function probeStore(server: ServerContext): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('store health check timed out')), HEALTH_TIMEOUT_MS);
    });
    await Promise.race([server.store.schemaVersion(), timeout]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
