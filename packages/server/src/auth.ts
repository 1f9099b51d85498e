import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { ConfabError, sha256Hex } from 'confab';
import type { SessionStore } from 'confab/store';
import type { Context, MiddlewareHandler } from 'hono';
import type { ServerEnv } from './context.js';

/** Options of the server's access control. */
export interface AuthOptions {
  /**
   * Client addresses allowed to call the server (every route but `/healthz`): single addresses
   * (`127.0.0.1`, `::1`) or CIDR ranges (`10.0.0.0/8`, `fd00::/8`). Absent: any address.
   */
  ipAllowlist?: string[];
  /**
   * Take the client address from the first `X-Forwarded-For` entry. Only behind a proxy that sets
   * it, since clients can forge the header. Default false.
   */
  trustProxy?: boolean;
  /** Finds the client address when the server is mounted somewhere else than the Node listener. */
  clientAddress?: (context: Context) => string | null | undefined;
}

const BEARER = /^Bearer +([\x21-\x7e]{1,512})$/i;

/**
 * Bearer authentication of `/v1` routes: only `Authorization: Bearer <token>` is accepted (a bare
 * token is refused); the token's SHA-256 hex must match an unrevoked token of the store, whose app
 * becomes the request's `appId`. Anything else → 401 `unauthenticated`, same answer for all cases.
 */
export function bearerAuth(store: SessionStore): MiddlewareHandler<ServerEnv> {
  return async (context, next) => {
    const header = context.req.header('authorization');
    if (header === undefined) throw new ConfabError('unauthenticated', 'missing Authorization: Bearer <token> header');
    const match = BEARER.exec(header.trim());
    if (!match) throw new ConfabError('unauthenticated', 'the Authorization header must be "Bearer <token>"');
    const tokenHash = await sha256Hex(match[1]!);
    const found = await store.findToken(tokenHash);
    if (!found || found.revokedAt !== null) throw new ConfabError('unauthenticated', 'the bearer token is not valid');
    context.set('appId', found.appId);
    context.set('tokenHash', tokenHash);
    await next();
  };
}

/**
 * The IP allowlist check (every route but `/healthz`): a request from an address outside the list,
 * or whose address cannot be told, → 401 `unauthenticated`. A no-op when no list is configured.
 */
export function ipAllowlist(options: AuthOptions): MiddlewareHandler<ServerEnv> | null {
  if (!options.ipAllowlist) return null;
  const allowed = buildBlockList(options.ipAllowlist);
  return async (context, next) => {
    const address = normalizeAddress(clientAddressOf(context, options));
    const family = address && isIPv4(address) ? 'ipv4' : address && isIPv6(address) ? 'ipv6' : null;
    if (!address || !family || !allowed.check(address, family)) {
      throw new ConfabError('unauthenticated', 'this client address is not allowed');
    }
    await next();
  };
}

/** Parses allowlist entries; a malformed one is a configuration error, thrown at once. */
export function buildBlockList(entries: string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefixText] = entry.trim().split('/');
    const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : null;
    if (!family) throw new RangeError(`ipAllowlist: ${entry} is not an IP address or CIDR range`);
    if (prefixText === undefined) {
      list.addAddress(address, family);
      continue;
    }
    const prefix = Number(prefixText);
    const maximum = family === 'ipv4' ? 32 : 128;
    if (!/^\d+$/.test(prefixText) || prefix > maximum) throw new RangeError(`ipAllowlist: bad prefix in ${entry}`);
    list.addSubnet(address, prefix, family);
  }
  return list;
}

function clientAddressOf(context: Context, options: AuthOptions): string | null {
  if (options.clientAddress) return options.clientAddress(context) ?? null;
  if (options.trustProxy) {
    const forwarded = context.req.header('x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) return forwarded;
  }
  // The Node listener (@hono/node-server) hands the IncomingMessage in as `env.incoming`.
  const incoming = (context.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? null;
}

/** IPv4 clients of a dual-stack socket show as `::ffff:a.b.c.d`: compare them as IPv4. */
function normalizeAddress(address: string | null): string | null {
  if (!address) return null;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address;
}
