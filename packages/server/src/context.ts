import type { ModelResolver, Pool } from 'confab';
import type { SessionStore } from 'confab/store';
import type { Logger } from 'pino';
import type { RateLimiter, ServerLimits, SharedGate } from './limits.js';
import type { ServerMetrics } from './metrics.js';
import type { QueuedInputShares } from './queued-input-shares.js';
import type { RevocationWatch } from './revocation-watch.js';

/** Per-request values the middleware sets for the routes. */
export interface RequestVariables {
  /** The request's id: the client's `X-Request-Id` when well-formed, else a new one. */
  requestId: string;
  /** The app of the bearer token (set on `/v1` routes only). */
  appId: string;
  /** The SHA-256 hex of the bearer token (set on `/v1` routes only), to watch for its revocation. */
  tokenHash: string;
  /** The request logger (carries the request id). */
  log: Logger;
  /** The matched route pattern, e.g. `/v1/sessions/:id` (for logs and metrics). */
  route: string;
}

/** The Hono environment of the Confab app. */
export interface ServerEnv {
  Variables: RequestVariables;
}

/**
 * What the routes share: the store and pool, limits and their counters, metrics, and the set of
 * long-lived streams a shutdown must end.
 */
export interface ServerContext {
  store: SessionStore;
  pool: Pool;
  limits: ServerLimits;
  logger: Logger;
  metrics: ServerMetrics | null;
  /** Turn, resume and input requests per app per minute. */
  rateLimiter: RateLimiter;
  /** Sessions created per app per minute. */
  sessionLimiter: RateLimiter;
  /** Bytes uploaded per app per minute. */
  uploadLimiter: RateLimiter;
  /** Running turns, requested and batched, in the server and per app. */
  runningTurns: SharedGate;
  /** Open SSE streams, in the server and per app. */
  openStreams: SharedGate;
  /** Queued inputs per app not yet taken by a turn. */
  queuedInputs: QueuedInputShares;
  /** The app of sessions whose batched turn is about to ask for a slot (saves a store read). */
  sessionApps: Map<string, string>;
  heartbeatMs: number;
  version: string;
  /** Checks model names of requests up front; null when the server cannot know the pool's resolver. */
  resolveModel: ModelResolver | null;
  /** The model names requests may use; null: any name that spells no provider address. */
  allowedModels: ReadonlySet<string> | null;
  /** Ends the streams of revoked tokens. */
  revocations: RevocationWatch;
  /** Aborting ends every open live tail (session events, lifecycle): the shutdown does it. */
  streamsController: AbortController;
  /** True once a shutdown began: new requests get 503. */
  draining: boolean;
}
