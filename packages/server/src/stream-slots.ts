import type { Context } from 'hono';
import type { ServerContext, ServerEnv } from './context.js';

/** An open-stream slot: give it back with `release` (idempotent); `revokedSignal` ends the stream. */
export interface StreamSlot {
  release: () => void;
  /** Aborts when the caller's token is revoked (in any process). */
  revokedSignal: AbortSignal;
}

/**
 * Takes an open-stream slot of `appId` (429 `rate_limited` when the app holds its share, 503
 * `unavailable` when the server is full), keeps the gauge current and watches the request's token
 * so that a revocation ends the stream. Releasing gives the slot back and stops the watch.
 */
export function acquireStream(
  server: ServerContext,
  context: Context<ServerEnv>,
  kind: 'turn' | 'events' | 'lifecycle',
  appId: string,
): StreamSlot {
  const releaseSlot = server.openStreams.acquire(appId);
  const watch = server.revocations.watch(context.get('tokenHash'));
  server.metrics?.openStreams.inc({ kind });
  let released = false;
  return {
    revokedSignal: watch.signal,
    release: () => {
      if (released) return;
      released = true;
      releaseSlot();
      watch.release();
      server.metrics?.openStreams.dec({ kind });
    },
  };
}
