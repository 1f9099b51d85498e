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
};

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
  const app = options.app ?? createApp(options as CreateAppOptions);
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
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
