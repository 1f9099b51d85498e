import type { ServerContext } from './context.js';

/**
 * Takes an open-stream slot of `appId` (429 `rate_limited` when the app holds its share, 503
 * `unavailable` when the server is full) and keeps the gauge current; the returned function gives
 * the slot back, and calling it again does nothing.
 */
export function acquireStream(server: ServerContext, kind: 'turn' | 'events' | 'lifecycle', appId: string): () => void {
  const release = server.openStreams.acquire(appId);
  server.metrics?.openStreams.inc({ kind });
  let released = false;
  return () => {
    if (released) return;
    released = true;
    release();
    server.metrics?.openStreams.dec({ kind });
  };
}
