/**
 * `@confab/server`: the v1 HTTP API of Confab (DESIGN §6) as a Hono app that mounts into any
 * fetch-style application ({@link createApp}), and a Node listener with graceful shutdown
 * ({@link serve}).
 */
export {
  type ConfabApp,
  type ConfabRuntime,
  type CreateAppOptions,
  createApp,
  type ShutdownOptions,
} from './app.js';
export type { AuthOptions } from './auth.js';
export type { RequestVariables, ServerEnv } from './context.js';
export { STATUS_OF_CODE, toHttpError } from './errors-to-http.js';
export { DEFAULT_LIMITS, type ServerLimits } from './limits.js';
export { createMetrics, type MetricsOptions, type ServerMetrics } from './metrics.js';
export { spellsAddress } from './model-check.js';
export { buildOpenApiDocument } from './openapi.js';
export {
  CURRENT_PROVIDER_PACKAGES,
  createServerModelResolver,
  loadServerProvider,
  runsCurrentProviders,
} from './provider-loader.js';
export { logProviderErrors } from './provider-log.js';
export { createLogObserver } from './request-telemetry.js';
export { LISTENER_DEFAULTS, type RunningServer, type ServeOptions, serve } from './serve.js';
export type { StudioOptions } from './studio-files.js';
export { SERVER_VERSION } from './version.js';
