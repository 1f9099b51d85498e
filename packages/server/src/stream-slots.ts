import type { ServerContext } from './context.js';

/**
 * Takes an open-stream slot (`unavailable` when all are taken) and keeps the gauge current; the
 * returned function gives the slot back, and calling it again does nothing.
 */
export function acquireStream(server: ServerContext, kind: 'turn' | 'events' | 'lifecycle'): () => void {
  const release = server.openStreams.acquire();
  server.metrics?.openStreams.inc({ kind });
  let released = false;
  return () => {
    if (released) return;
    released = true;
    release();
    server.metrics?.openStreams.dec({ kind });
  };
}
