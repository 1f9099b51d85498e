import { ConfabError, type ModelResolver, newId, Pool } from 'confab';
import type { SessionStore } from 'confab/store';
import { Hono, type MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import { type Logger, pino } from 'pino';
import { type AuthOptions, bearerAuth, ipAllowlist } from './auth.js';
import type { ServerContext, ServerEnv } from './context.js';
import { errorResponse } from './errors-to-http.js';
import { RateLimiter, resolveLimits, type ServerLimits, SharedGate } from './limits.js';
import { createMetrics, type ServerMetrics } from './metrics.js';
import { createServerModelResolver } from './provider-loader.js';
import { logProviderErrors } from './provider-log.js';
import { QueuedInputShares } from './queued-input-shares.js';
import { createLogObserver, startRequestSpan } from './request-telemetry.js';
import { RevocationWatch } from './revocation-watch.js';
import { RouteTable } from './route-table.js';
import { registerChannelRoutes } from './routes/channels.js';
import { registerChatRoutes } from './routes/chat.js';
import { registerEventRoutes } from './routes/events.js';
import { registerFileRoutes } from './routes/files.js';
import { registerLifecycleRoutes } from './routes/lifecycle.js';
import { registerSessionRoutes } from './routes/sessions.js';
import { registerSystemRoutes } from './routes/system.js';
import { registerTurnRoutes } from './routes/turns.js';
import { registerStudioFiles, type StudioOptions } from './studio-files.js';
import { SERVER_VERSION } from './version.js';

/** Options of {@link createApp}. Only `store` is required. */
export interface CreateAppOptions {
  /** The session store (migrated). */
  store: SessionStore;
  /**
   * The pool that runs turns. Default: a new Pool on `store` (through the metrics' store wrapper)
   * with `defaultModel`. Build yours on `metrics.instrumentStore(store)` to have its writes measured.
   */
  pool?: Pool;
  /** The default model of the pool created here (ignored with `pool`). Default `echo`. */
  defaultModel?: string;
  /**
   * The pool's model resolver, used to refuse unknown model names (400) before a turn starts.
   * Default: the server's resolver ({@link createServerModelResolver}) when the pool is created
   * here; no check with your own pool unless you pass its resolver.
   */
  resolveModel?: ModelResolver;
  /**
   * The model names a request may use (session create, PATCH, a turn's `model`, resolve); any other
   * → 400 `invalid_argument` (DESIGN §7). Default, when the pool is created here: `defaultModel`
   * and `echo`. Without a list (your own pool), any name is taken that spells no provider address
   * (`openai-compatible:…`, `…://…`): a tenant never picks where the server connects.
   */
  allowedModels?: readonly string[];
  auth?: AuthOptions;
  limits?: Partial<ServerLimits>;
  /**
   * A pino logger, or false for none. Default: pino at `info` (or `$LOG_LEVEL`) on stdout. A pool
   * created here logs turns, provider failures, takeovers and compactions to it; give your own pool
   * `observer: createLogObserver(logger)` for the same.
   */
  logger?: Logger | false;
  /** Prometheus metrics, or false to disable them and `GET /metrics`. Default: {@link createMetrics}. */
  metrics?: ServerMetrics | false;
  /** Interval of SSE heartbeat comments. Default 15 000 ms. */
  heartbeatMs?: number;
  /**
   * Origins (`https://app.example.com`) whose browser apps may call the API (DESIGN §7
   * `--cors-origin`): preflights are answered and `Authorization` is allowed. Default none.
   */
  corsOrigins?: readonly string[];
  /**
   * How often the tokens of open streams are looked up, so a revocation (in any process) ends
   * them. One store read per distinct token per round, only while streams are open. Default 500 ms.
   */
  revocationCheckMs?: number;
  /**
   * How often expired uploads are deleted from the store (`deleteExpiredFiles`), so their bytes do
   * not outlive their time to live; 0 disables the sweep. Default 60 000 ms.
   */
  fileSweepIntervalMs?: number;
  /** Serves the Studio's built files at `/studio/` (DESIGN §10). Default: no Studio. */
  studio?: StudioOptions | false;
}

/** Options of {@link ConfabRuntime.shutdown}. */
export interface ShutdownOptions {
  /** How long running turns may take to finish before they are stopped. Default 10 000 ms. */
  deadlineMs?: number;
  /** Close the pool (stops what still runs). Default true. */
  closePool?: boolean;
  /** Close the store. Default true. */
  closeStore?: boolean;
}

/** The server state behind an app, for its owner. */
export interface ConfabRuntime {
  readonly store: SessionStore;
  readonly pool: Pool;
  readonly metrics: ServerMetrics | null;
  readonly limits: Readonly<ServerLimits>;
  /** True once a shutdown began (new requests get 503 `unavailable`). */
  readonly draining: boolean;
  /**
   * Graceful shutdown: refuses new requests, ends live tails, lets running turns finish until the
   * deadline, then stops the rest and closes pool and store. Idempotent; later calls share the first.
   */
  shutdown(options?: ShutdownOptions): Promise<void>;
}

/** The Hono app of the v1 API, with its runtime under `confab`. */
export type ConfabApp = Hono<ServerEnv> & { readonly confab: ConfabRuntime };

/**
 * Builds the v1 HTTP API (DESIGN §6) as a Hono app: a fetch-style handler (`app.fetch`) that runs
 * on any runtime and mounts into an existing application (`parent.route('/', app)` or
 * `parent.mount('/confab', app.fetch)`). Every answer carries `X-Request-Id`; every error is
 * `{ error: { code, message, requestId } }` with the status of docs/errors.md.
 */
export function createApp(options: CreateAppOptions): ConfabApp {
  const limits = resolveLimits(options.limits);
  const metrics = options.metrics === false ? null : (options.metrics ?? createMetrics());
  const store = metrics ? metrics.instrumentStore(options.store) : options.store;
  const resolveModel = options.resolveModel ?? (options.pool ? null : createServerModelResolver());
  const logger = options.logger === false ? pino({ enabled: false }) : (options.logger ?? defaultLogger());
  const pool =
    options.pool ??
    new Pool({
      store,
      defaultModel: options.defaultModel,
      resolveModel: resolveModel ?? undefined,
      onProviderError: logProviderErrors(logger),
      observer: createLogObserver(logger),
    });
  const allowedModels = options.allowedModels ?? (options.pool ? null : [options.defaultModel ?? 'echo', 'echo']);
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  if (!Number.isFinite(heartbeatMs) || heartbeatMs < 10) throw new RangeError('heartbeatMs must be ≥ 10');
  const revocationCheckMs = options.revocationCheckMs ?? 500;
  if (!Number.isFinite(revocationCheckMs) || revocationCheckMs < 10)
    throw new RangeError('revocationCheckMs must be ≥ 10');
  const server: ServerContext = {
    store,
    pool,
    limits,
    logger,
    metrics,
    rateLimiter: new RateLimiter(limits.turnsPerMinute),
    sessionLimiter: new RateLimiter(limits.sessionsPerMinute, Date.now, 'new sessions'),
    uploadLimiter: new RateLimiter(limits.uploadBytesPerMinute, Date.now, 'uploaded bytes'),
    runningTurns: new SharedGate(limits.maxRunningTurns, limits.maxRunningTurnsPerApp, 'running turns', () =>
      metrics?.runningTurns.set(server.runningTurns.inUse),
    ),
    openStreams: new SharedGate(limits.maxOpenStreams, limits.maxOpenStreamsPerApp, 'open streams'),
    queuedInputs: new QueuedInputShares(limits.maxQueuedInputsPerApp, pool.bus),
    sessionApps: new Map(),
    revocations: new RevocationWatch(store, revocationCheckMs),
    heartbeatMs,
    version: SERVER_VERSION,
    resolveModel,
    allowedModels: allowedModels ? new Set(allowedModels) : null,
    streamsController: new AbortController(),
    draining: false,
  };
  const stopObservingBus = metrics?.observeBus(pool.bus) ?? (() => undefined);
  // Turns started from queued inputs take a running-turn slot of their app too, waiting for one.
  pool.runner.setBatchedTurnAdmission(async (sessionId) => {
    const appId = server.sessionApps.get(sessionId) ?? (await store.getSession(sessionId))?.appId ?? '';
    server.sessionApps.delete(sessionId);
    return server.runningTurns.waitFor(appId);
  });

  const app = new Hono<ServerEnv>();
  const routes = new RouteTable(app);
  app.use('*', requestContext(server));
  // Before auth: a browser's preflight carries no Authorization header.
  if (options.corsOrigins?.length) app.use('*', corsFor(options.corsOrigins));
  const allowlist = ipAllowlist(options.auth ?? {});
  if (allowlist)
    app.use('*', (context, next) => (context.req.path.endsWith('/healthz') ? next() : allowlist(context, next)));
  app.use('/v1/*', bearerAuth(store));

  registerSessionRoutes(routes, server);
  registerTurnRoutes(routes, server);
  registerEventRoutes(routes, server);
  registerChannelRoutes(routes, server);
  registerFileRoutes(routes, server);
  registerLifecycleRoutes(routes, server);
  registerChatRoutes(routes, server);
  registerSystemRoutes(routes, server);
  if (options.studio) registerStudioFiles(app, options.studio);

  app.notFound((context) => {
    const allowed = routes.allowedMethods(context.req.path);
    const error = allowed.length
      ? new ConfabError('method_not_allowed', `${context.req.method} is not allowed on ${context.req.path}`, {
          details: { allow: allowed },
        })
      : new ConfabError('not_found', `no route ${context.req.method} ${context.req.path}`);
    return errorResponse(error, context.get('requestId') ?? newId('req')).response;
  });
  app.onError((thrown, context) => {
    const requestId = context.get('requestId') ?? newId('req');
    const { response, error } = errorResponse(thrown, requestId);
    const log = context.get('log') ?? logger;
    if (error.error.code === 'internal') log.error({ err: thrown }, 'request failed');
    else if (REFUSALS.has(error.error.code))
      log.warn({ code: error.error.code, reason: error.error.message }, 'refused');
    return response;
  });

  const stopFileSweep = startFileSweep(server, options.fileSweepIntervalMs ?? 60_000);
  let shuttingDown: Promise<void> | null = null;
  const runtime: ConfabRuntime = {
    store,
    pool,
    metrics,
    limits,
    get draining() {
      return server.draining;
    },
    shutdown(shutdownOptions = {}) {
      stopFileSweep();
      shuttingDown ??= shutdown(server, shutdownOptions).finally(stopObservingBus);
      return shuttingDown;
    },
  };
  return Object.assign(app, { confab: runtime });
}

/** Headers a browser app may send: auth, JSON, the idempotency key, stream resumption and request ids. */
const CORS_REQUEST_HEADERS = ['Authorization', 'Content-Type', 'Idempotency-Key', 'Last-Event-ID', 'X-Request-Id'];

/**
 * CORS for the given origins only (an origin not listed gets no `Access-Control-Allow-Origin`, so
 * its browser refuses the answer). Error answers carry the headers too, so an app can read them.
 */
function corsFor(origins: readonly string[]): MiddlewareHandler<ServerEnv> {
  for (const origin of origins) {
    if (!isOrigin(origin))
      throw new RangeError(`CORS origin "${origin}" is not an origin like https://app.example.com`);
  }
  return cors({
    origin: [...origins],
    allowMethods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'],
    allowHeaders: CORS_REQUEST_HEADERS,
    exposeHeaders: ['X-Request-Id', 'Retry-After', 'X-Vercel-AI-UI-Message-Stream'],
    maxAge: 600,
  });
}

/** True for a serialized origin: scheme, host and optional port, nothing else (no path, no slash). */
function isOrigin(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === text;
  } catch {
    return false;
  }
}

/**
 * Deletes expired uploads on a timer (one store call per round, none overlapping); returns the
 * function that stops it. A failed round is logged and the next one tries again.
 */
function startFileSweep(server: ServerContext, intervalMs: number): () => void {
  if (!Number.isInteger(intervalMs) || intervalMs < 0) throw new RangeError('fileSweepIntervalMs must be ≥ 0');
  if (intervalMs === 0) return () => undefined;
  let running = false;
  const timer = setInterval(async () => {
    if (running || server.draining) return;
    running = true;
    try {
      const deleted = await server.store.deleteExpiredFiles();
      if (deleted > 0) server.logger.info({ deleted }, 'expired files deleted');
    } catch (error) {
      server.logger.warn({ err: error }, 'deleting expired files failed; retrying on the next round');
    } finally {
      running = false;
    }
  }, intervalMs);
  timer.unref?.();
  return () => clearInterval(timer);
}

/** Codes of a request refused by a limit (or by a draining or unreachable backend): logged at `warn`. */
const REFUSALS = new Set(['rate_limited', 'unavailable', 'payload_too_large']);

function defaultLogger(): Logger {
  return pino({ level: process.env.LOG_LEVEL ?? 'info', base: { service: 'confab' } });
}

/**
 * First middleware: the request id (a well-formed client `X-Request-Id` is kept, so ids follow a
 * request across services), the request logger, the 503 while draining, the end of any stream a
 * HEAD request opened, and one log line and metric per answer.
 */
function requestContext(server: ServerContext): MiddlewareHandler<ServerEnv> {
  return async (context, next) => {
    const offered = context.req.header('x-request-id');
    const requestId = offered && /^[A-Za-z0-9._:-]{1,128}$/.test(offered) ? offered : newId('req');
    const span = startRequestSpan(context.req.method, context.req.path, context.req.raw.headers);
    const log = server.logger.child(span.traceId ? { requestId, traceId: span.traceId } : { requestId });
    context.set('requestId', requestId);
    context.set('log', log);
    const startedAt = performance.now();
    if (server.draining && !context.req.path.endsWith('/healthz')) {
      span.end('unmatched', 503);
      throw new ConfabError('unavailable', 'the server is shutting down');
    }
    try {
      await span.run(requestId, next);
    } finally {
      span.end(context.get('route') ?? 'unmatched', context.res.status);
    }
    // Hono answers HEAD by running the GET handler and dropping its body without cancelling it: a
    // stream (a lifecycle or events tail) would keep its open-stream slot and its subscriptions
    // forever, so HEAD requests alone could exhaust the server. Cancelling ends the stream now.
    if (context.req.method === 'HEAD') await context.res.body?.cancel().catch(() => undefined);
    context.res.headers.set('X-Request-Id', requestId);
    const status = context.res.status;
    const route = context.get('route') ?? 'unmatched';
    server.metrics?.httpRequests.inc({ method: context.req.method, route, status: String(status) });
    log[status >= 500 ? 'error' : 'info'](
      {
        method: context.req.method,
        route,
        status,
        durationMs: Math.round(performance.now() - startedAt),
        appId: context.get('appId'),
      },
      'request',
    );
  };
}

async function shutdown(server: ServerContext, options: ShutdownOptions): Promise<void> {
  server.draining = true;
  // Batched turns still waiting for a slot never start: their inputs stay queued in the store.
  server.runningTurns.close();
  server.queuedInputs.close();
  // Live tails never end by themselves; turn streams end with their turn.
  server.streamsController.abort();
  server.revocations.close();
  const deadline = Date.now() + (options.deadlineMs ?? 10_000);
  while (Date.now() < deadline && (server.runningTurns.inUse > 0 || busyRunners(server.pool) > 0)) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  if (options.closePool ?? true) await server.pool.close();
  if (options.closeStore ?? true) await server.store.close();
  server.logger.info('confab server shut down');
}

function busyRunners(pool: Pool): number {
  return pool.runner.residentCount - pool.runner.idleRunners(Number.POSITIVE_INFINITY).length;
}
