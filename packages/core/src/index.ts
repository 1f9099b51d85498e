/**
 * `confab`: what an application uses. Agents, flows and tools; the `Pool` (and the `Runner` under
 * it) that runs turns; models and their resolver; sessions, events and records (the data model);
 * compaction; the lifecycle bus; errors with stable codes; telemetry; `MemoryStore`, the default
 * store. A store adapter's port and kit are in `confab/store`, the HTTP wire schemas in
 * `confab/wire`, and models for tests in `confab/testing`.
 */

// Compaction.
export {
  type CompactionSettings,
  type CompactSessionOptions,
  type CompactSessionResult,
  compactSession,
  DEFAULT_KEEP_TAIL,
  DEFAULT_MAX_SUMMARY_INPUT_TOKENS,
  DEFAULT_MAX_TOKENS,
  estimateTokens,
  needsCompaction,
} from './compaction/index.js';
// Lifecycle, errors, telemetry, ids.
export * from './errors.js';
export * from './lifecycle/lifecycle-bus.js';
// Sessions, events and records.
export type * from './model/event.js';
export { EVENT_TYPES } from './model/event.js';
export type * from './model/json.js';
export type * from './model/records.js';
export type * from './model/session.js';
export { toSession } from './model/session.js';
// The pool and the runner.
export {
  DEFAULT_MAX_INPUT_FILE_BYTES,
  DEFAULT_MAX_META_BYTES,
  type InputLimits,
  Pool,
  type PoolOptions,
  type PoolScope,
  type RunnerFactory,
  type SessionChanges,
} from './pool/pool.js';
export { type RetentionOptions, RetentionSweeper } from './pool/retention-sweeper.js';
// Agents, flows and tools.
export * from './runner/agent.js';
export type { PendingCall, ProviderErrorReport } from './runner/agent-loop.js';
export { readConversationContext, resolveTruncations } from './runner/conversation-context.js';

// Models.
export {
  adaptLanguageModel,
  type LanguageModelV4,
  type LanguageModelV4CallOptions,
  type LanguageModelV4PromptMessage,
  type SupportedLanguageModel,
  specificationVersionOf,
} from './runner/language-model.js';
export {
  type BuiltInProvider,
  createModelResolver,
  type ModelResolver,
  type ModelResolverOptions,
  PROVIDER_PACKAGES,
  type ProviderFactory,
  type ProviderModule,
  type RuntimeModelResolver,
} from './runner/model-resolver.js';
export { eventsToMessages, PROMPT_EVENT_TYPES, SUMMARY_PREAMBLE, visibleEvents } from './runner/prompt.js';
export { DEFAULT_PROVIDER_RETRY, type ProviderRetrySettings } from './runner/provider-failure.js';
export { DEFAULT_TURN_TIMEOUT_MS, Runner, type RunnerOptions } from './runner/runner.js';
export type { ActiveTurn, RuntimeState } from './runner/runtime-state.js';
export { readRuntime } from './runner/runtime-state.js';
export {
  type BatchedTurnAdmission,
  SessionRunner,
  type StreamPosition,
  type TurnOptions,
} from './runner/session-runner.js';
export type { TurnContext, TurnInput, TurnOutcome } from './runner/turn-context.js';
export type { ResumeAnswers, SnapshotFilter, TurnHooks, TurnResult } from './runner/turn-engine.js';
export { TurnHandle } from './runner/turn-handle.js';
export type { StreamEvent } from './runner/turn-writer.js';
export { MemoryStore } from './store/memory/memory-store.js';
export { observe, type RuntimeObservation, type RuntimeObserver } from './telemetry/observer.js';
export { activeTraceId } from './telemetry/tracing.js';
export * from './util/ids.js';
