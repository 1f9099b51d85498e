import type { Handler, Hono } from 'hono';
import type { ServerEnv } from './context.js';

/** The HTTP methods the API uses. */
export type RouteMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

interface RouteEntry {
  method: RouteMethod;
  path: string;
  pattern: RegExp;
}

/**
 * Registers routes on the Hono app and remembers their patterns, so a request that matches no
 * route can be told apart: a known path with another method → 405 (with `Allow`), else 404.
 * Patterns match the whole path (`/x/healthz` and `//v1/sessions` are unknown, so 404): a mounted
 * app sees its paths without the mount prefix (Hono's `mount` strips it).
 */
export class RouteTable {
  private readonly entries: RouteEntry[] = [];

  constructor(private readonly app: Hono<ServerEnv>) {}

  /** Adds a route. `path` uses Hono's `:name` parameters. */
  add(method: RouteMethod, path: string, handler: Handler<ServerEnv>): void {
    this.app.on(method, path, (context, next) => {
      context.set('route', path);
      return handler(context, next);
    });
    this.entries.push({ method, path, pattern: patternOf(path) });
  }

  /** The methods allowed on `pathname`; empty when no route has that path. */
  allowedMethods(pathname: string): RouteMethod[] {
    const methods = new Set<RouteMethod>();
    for (const entry of this.entries) if (entry.pattern.test(pathname)) methods.add(entry.method);
    if (methods.has('GET')) methods.add('HEAD' as RouteMethod);
    return [...methods];
  }

  /** Every registered route, in registration order. */
  get routes(): ReadonlyArray<{ method: RouteMethod; path: string }> {
    return this.entries;
  }
}

function patternOf(path: string): RegExp {
  const source = path
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}$`);
}
