import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { type ConfabApp, type CreateAppOptions, createApp, type ShutdownOptions } from './app.js';

/** Options of {@link serve}: an app, or the options to create one, plus where to listen. */
export type ServeOptions = (
  | ({ app: ConfabApp } & Partial<Record<keyof CreateAppOptions, never>>)
  | ({ app?: undefined } & CreateAppOptions)
) & {
  /** Default 8787; 0 picks a free port (see {@link RunningServer.port}). */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
  /**
   * How long a client may take to send a whole request (headers and body); a slower one is answered
   * 408 and its connection closed, so a trickled body cannot hold a socket for long. Default 30 000 ms.
   */
  requestTimeoutMs?: number;
  /** Connections open at once; more are closed as they arrive. Default 4096. */
  maxConnections?: number;
  /**
   * Connections the kernel queues for the process before it accepts them (the `listen` backlog).
   * A burst of new connections larger than this while the event loop is busy is refused (reset) by
   * the kernel before Node sees it; Node's own default is 511. Linux caps it at
   * `net.core.somaxconn` (4096 on current kernels). Default 4096.
   */
  listenBacklog?: number;
};

/** Defaults of the listener's protections. */
export const LISTENER_DEFAULTS = Object.freeze({ requestTimeoutMs: 30_000, maxConnections: 4096, listenBacklog: 4096 });

/** A listening server. */
export interface RunningServer {
  readonly app: ConfabApp;
  readonly server: Server;
  /** The port actually bound. */
  readonly port: number;
  readonly host: string;
  /** `http://<host>:<port>`. */
  readonly url: string;
  /**
   * Graceful shutdown: stops accepting connections, refuses new requests on open ones (503), ends
   * live tails, lets running turns finish until the deadline (default 10 s) and stops the rest,
   * closes pool and store, then closes every connection. Idempotent.
   */
  close(options?: ShutdownOptions): Promise<void>;
}

/**
 * Runs the API on Node (`@hono/node-server`). Resolves once listening; rejects when the port
 * cannot be bound. Installs no signal handlers: call `close()` from yours.
 */
export async function serve(options: ServeOptions): Promise<RunningServer> {
  const { port = 8787, host = '127.0.0.1' } = options;
  const requestTimeout = options.requestTimeoutMs ?? LISTENER_DEFAULTS.requestTimeoutMs;
  const maxConnections = options.maxConnections ?? LISTENER_DEFAULTS.maxConnections;
  if (!Number.isInteger(requestTimeout) || requestTimeout < 100) throw new RangeError('requestTimeoutMs must be ≥ 100');
  const backlog = options.listenBacklog ?? LISTENER_DEFAULTS.listenBacklog;
  if (!Number.isInteger(maxConnections) || maxConnections < 1) throw new RangeError('maxConnections must be ≥ 1');
  if (!Number.isInteger(backlog) || backlog < 1) throw new RangeError('listenBacklog must be ≥ 1');
  const app = options.app ?? createApp(options as CreateAppOptions);
  const server = createAdaptorServer({
    fetch: app.fetch,
    serverOptions: {
      requestTimeout,
      headersTimeout: Math.min(60_000, requestTimeout),
      // Node looks for overdue requests on this interval (default 30 s): a short timeout needs a shorter look.
      connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.floor(requestTimeout / 4))),
    },
  }) as Server;
  server.maxConnections = maxConnections;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host, backlog }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    if (!options.app) await app.confab.shutdown({ deadlineMs: 0 });
    throw error;
  }
  const bound = (server.address() as AddressInfo).port;
  let closing: Promise<void> | null = null;
  return {
    app,
    server,
    port: bound,
    host,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    close(shutdownOptions) {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await app.confab.shutdown(shutdownOptions);
        // Answers of turns that just ended are still being written: give them a moment.
        server.closeIdleConnections();
        const grace = new Promise((resolve) => setTimeout(resolve, 1000).unref());
        await Promise.race([closed, grace]);
        server.closeAllConnections();
        await closed;
      })();
      return closing;
    },
  };
}
