import { createConnection, createServer, type Socket } from 'node:net';
import type { SeededRandom } from './seeded-random.js';

/** Options of {@link startFlakyProxy}. */
export interface FlakyProxyOptions {
  /** Where connections are forwarded (the real server). */
  target: { host: string; port: number };
  /** Picks each connection's cut point and cut kind; seeded, so a run's fault schedule replays. */
  random: SeededRandom;
  /**
   * The number of bytes from the server after which a new connection is cut, drawn with `random`
   * (called once per connection, when it is accepted, so the caller may change the law as it goes).
   */
  cutAfterBytes: (random: SeededRandom) => number;
}

/** What the proxy did so far. */
export interface FlakyProxyStats {
  /** Connections accepted from clients. */
  connections: number;
  /** Connections the proxy broke off on purpose (each while the server was sending on it). */
  disconnects: number;
  /** Of those, how many were reset (RST) rather than closed (FIN) half-way. */
  resets: number;
  /** Bytes forwarded from the server to clients. */
  bytesFromServer: number;
}

/** A running {@link startFlakyProxy}. */
export interface FlakyProxy {
  /** `http://127.0.0.1:<port>`: point clients here instead of at the server. */
  readonly url: string;
  readonly stats: Readonly<FlakyProxyStats>;
  /** Stops listening and destroys every open connection. */
  close(): Promise<void>;
}

/**
 * A TCP proxy that injects real network faults: every connection is forwarded byte for byte to the
 * target until the server has sent that connection's byte budget, then it is broken off in the
 * middle of whatever the server was writing (a frame, a header, a heartbeat) — reset or closed
 * without the rest of the HTTP answer. The server sees its client vanish; the client sees its body
 * break off. Client bytes are never cut, so every request reaches the server whole. Cuts are
 * counted only when they happen, so the count is the number of faults actually injected.
 */
export async function startFlakyProxy(options: FlakyProxyOptions): Promise<FlakyProxy> {
  const stats: FlakyProxyStats = { connections: 0, disconnects: 0, resets: 0, bytesFromServer: 0 };
  const open = new Set<Socket>();
  const server = createServer((client) => {
    stats.connections += 1;
    // Drawn in accept order: with the same seed the n-th connection gets the same budget and kind.
    const budget = options.cutAfterBytes(options.random);
    const reset = options.random.next() < 0.5;
    const upstream = createConnection(options.target);
    open.add(client);
    open.add(upstream);
    let forwarded = 0;
    let cut = false;
    const teardown = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      // Resets and early closes are the point here: they must not crash the process.
      socket.on('error', teardown);
      socket.on('close', () => {
        open.delete(socket);
        teardown();
      });
    }
    client.on('data', (chunk: Buffer) => {
      if (!upstream.write(chunk)) client.pause();
    });
    upstream.on('drain', () => client.resume());
    client.on('drain', () => upstream.resume());
    upstream.on('data', (chunk: Buffer) => {
      if (cut) return;
      const room = budget - forwarded;
      if (chunk.length < room) {
        forwarded += chunk.length;
        stats.bytesFromServer += chunk.length;
        if (!client.write(chunk)) upstream.pause();
        return;
      }
      cut = true;
      upstream.pause();
      stats.disconnects += 1;
      if (reset) stats.resets += 1;
      const head = chunk.subarray(0, room);
      forwarded += head.length;
      stats.bytesFromServer += head.length;
      const breakOff = () => {
        if (reset) client.resetAndDestroy();
        else client.destroy();
        upstream.destroy();
      };
      // The head goes out first, so the cut lands exactly `budget` bytes into the connection.
      if (head.length === 0) breakOff();
      else client.write(head, breakOff);
    });
    upstream.on('end', () => client.end());
    client.on('end', () => upstream.end());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    stats,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of open) socket.destroy();
      await closed;
    },
  };
}
