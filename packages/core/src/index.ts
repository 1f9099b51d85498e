export * from './compaction/index.js';
export * from './errors.js';
export * from './lifecycle/lifecycle-bus.js';
export type * from './model/event.js';
export { EVENT_TYPES } from './model/event.js';
export type * from './model/json.js';
export type * from './model/records.js';
export type * from './model/session.js';
export { toSession } from './model/session.js';
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
export * from './runner/agent.js';
export type { PendingCall, ProviderErrorReport } from './runner/agent-loop.js';
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
  checkedResolver,
  createModelResolver,
  type ModelResolver,
  type ModelResolverOptions,
  PROVIDER_PACKAGES,
  type ProviderFactory,
  type ProviderModule,
  type RuntimeModelResolver,
  splitOpenAICompatibleName,
} from './runner/model-resolver.js';
export {
  buildPrompt,
  eventsToMessages,
  PROMPT_EVENT_TYPES,
  type ResolvedFile,
  SUMMARY_PREAMBLE,
  visibleEvents,
} from './runner/prompt.js';
export {
  classifyProviderError,
  DEFAULT_PROVIDER_RETRY,
  type ProviderFailure,
  type ProviderRetrySettings,
} from './runner/provider-failure.js';
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
export { applyStatePatch } from './runner/turn-context-impl.js';
export type { ResumeAnswers, SnapshotFilter, TurnHooks, TurnResult } from './runner/turn-engine.js';
export { TurnHandle } from './runner/turn-handle.js';
export type { StreamEvent } from './runner/turn-writer.js';
export * from './store/commit-folding.js';
export * from './store/event-type-filter.js';
export * from './store/fork-chain.js';
export * from './store/lease-renewal.js';
export * from './store/limits.js';
export { MemoryStore } from './store/memory-store.js';
export * from './store/session-cursor.js';
export * from './store/session-record.js';
export * from './store/session-store.js';
export {
  assertStorableText,
  findUnstorableText,
  isStorableText,
  replaceUnstorableText,
} from './store/storable-text.js';
export { observe, type RuntimeObservation, type RuntimeObserver } from './telemetry/observer.js';
export { activeTraceId } from './telemetry/tracing.js';
export * from './util/ids.js';
export { applyMergePatch } from './util/merge-patch.js';
export { deriveTitle } from './util/title.js';
export * from './wire/index.js';
