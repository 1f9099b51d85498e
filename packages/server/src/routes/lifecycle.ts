import { ConfabError, type LifecycleEvent } from 'confab';
import type { ServerContext } from '../context.js';
import type { RouteTable } from '../route-table.js';
import { SseStream } from '../sse.js';
import { acquireStream } from '../stream-slots.js';

/** Lifecycle events a slow client may fall behind by before its stream is ended. */
const MAX_BACKLOG = 10_000;

/**
 * `GET /v1/lifecycle`: the app's lifecycle events as SSE, live from the moment of the request,
 * until the client leaves. Frames: `id: <opaque event id>`, `event: <type>`,
 * `data: { type, sessionId, clientSessionId, appId, at, data }`. Only the caller's app's events.
 */
export function registerLifecycleRoutes(routes: RouteTable, server: ServerContext): void {
  routes.add('GET', '/v1/lifecycle', (context) => {
    const appId = context.get('appId');
    const { release, revokedSignal } = acquireStream(server, context, 'lifecycle', appId);
    const stream = new SseStream({
      heartbeatMs: server.heartbeatMs,
      requestSignal: context.req.raw.signal,
      shutdownSignal: server.streamsController.signal,
      revokedSignal,
      requestId: context.get('requestId'),
      logger: context.get('log'),
      onClose: release,
    });
    const backlog: LifecycleEvent[] = [];
    let wake: (() => void) | null = null;
    let overflowed = false;
    // Subscribed before the answer goes out, so nothing emitted after the request is missed.
    const unsubscribe = server.pool.bus.subscribe(
      (event) => {
        if (backlog.length >= MAX_BACKLOG) overflowed = true;
        else backlog.push(event);
        wake?.();
      },
      { appId },
    );
    stream.signal.addEventListener('abort', () => {
      unsubscribe();
      wake?.();
    });
    return stream.respond(async (send, signal) => {
      while (!signal.aborted) {
        const event = backlog.shift();
        if (event) {
          const { id, ...wire } = event;
          await send({ id, event: event.type, data: JSON.stringify(wire) });
          continue;
        }
        if (overflowed) throw new ConfabError('unavailable', 'the client fell too far behind; reconnect');
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = null;
      }
    });
  });
}
