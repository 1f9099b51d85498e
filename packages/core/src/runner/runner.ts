import { errors } from '../errors.js';
import type { NewInput, QueuedInput } from '../model/records.js';
import type { SessionRecord } from '../model/session.js';
import { hasStopSignaller, type SessionStore } from '../store/port/session-store.js';
import type { RuntimeObserver } from '../telemetry/observer.js';
import { newId } from '../util/ids.js';
import type { TurnLogic } from './agent.js';
import type { ProviderErrorReport } from './agent-loop.js';
import type { AutoCompaction } from './auto-compaction.js';
import { checkedResolver, createModelResolver, type ModelResolver } from './model-resolver.js';
import { DEFAULT_PROVIDER_RETRY, type ProviderRetrySettings } from './provider-failure.js';
import { readRuntime } from './runtime-state.js';
import {
  type BatchedTurnAdmission,
  type LogicPerModel,
  SessionRunner,
  type SessionRunnerSettings,
  type StreamPosition,
  type TurnOptions,
} from './session-runner.js';
import type { ResumeAnswers, SnapshotFilter, TurnHooks, TurnResult } from './turn-engine.js';
import type { TurnHandle } from './turn-handle.js';
import type { StreamEvent } from './turn-writer.js';

/** The default per-turn timeout of a {@link Runner} (and so of a Pool): 10 minutes. */
export const DEFAULT_TURN_TIMEOUT_MS = 600_000;

/** Options of {@link Runner}; everything but `store` and `logic` (or `logicPerModel`) has a default. */
export interface RunnerOptions {
  store: SessionStore;
  /** The turn logic for every session, or chosen per session. Required unless `logicPerModel` is given. */
  logic?: TurnLogic | ((session: SessionRecord) => TurnLogic);
  /**
   * Default: `echo`, `openai:…`, `anthropic:…`, `openai-compatible:…` ({@link createModelResolver}).
   * What it answers is checked: a v3 or v4 language model, else the turn is refused.
   */
  resolveModel?: ModelResolver;
  /** Names this process in leases. Default a random id. */
  owner?: string;
  /** Lease time to live; a dead process's sessions are taken over after this. Default 15 s. */
  leaseTtlMs?: number;
  /** How long a turn waits for a running one before `turn_in_progress`. Default 30 s. */
  turnWaitMs?: number;
  /**
   * Per-turn timeout: a turn still running after it (a provider that never answers) is stopped
   * with `stopReason: "timeout"`. 0 for none. Default 600 000 (10 min).
   */
  turnTimeoutMs?: number;
  /** Retries of model calls that failed before any output (429, 5xx, a dropped connection). */
  providerRetry?: Partial<ProviderRetrySettings>;
  /**
   * Told of every failed model call, retried or not, with the session, the provider's status and
   * the classified code: the place to log them (the server logs them with pino).
   */
  onProviderError?: (report: ProviderErrorReport) => void;
  /** Most inputs one batched turn takes. Default 128. */
  maxBatch?: number;
  /** How long a batched turn waits for more inputs after the first. Default 0. */
  debounceMs?: number;
  /** How often live subscriptions look for writes of other processes. Default 1 s. */
  pollIntervalMs?: number;
  snapshotFilter?: SnapshotFilter;
  hooks?: TurnHooks;
  /** Errors of background work (batched turns). Default: logged to stderr. */
  onError?: (error: unknown, sessionId: string) => void;
  /**
   * Always run the logic's own model, ignoring model names of turns and sessions (they only name
   * the turn's model in its events). A pool sets this: it picks the logic by model already.
   */
  useLogicModel?: boolean;
  /** Automatic compaction before each new turn (see {@link AutoCompaction}). Default: none. */
  compaction?: AutoCompaction;
  /**
   * Turn logic built per session and model, instead of `logic` (a pool passes its factory): each
   * session runner keeps the logic it built and builds it again when a turn's model differs, after
   * a turn that ended in `error`, and after {@link Runner.rebuildLogic}. A turn's model is the
   * model it names, else the session's, else `defaultModel()`.
   */
  logicPerModel?: LogicPerModel;
  /** Runs under the lease before each new turn (see {@link SessionRunnerSettings.beforeTurn}). */
  beforeTurn?: SessionRunnerSettings['beforeTurn'];
  /** Told of turn starts and ends, provider failures, lease takeovers and recovered turns. */
  observer?: RuntimeObserver;
}

/**
 * Runs turns for any number of sessions. Holds a {@link SessionRunner} per session it has touched;
 * `evict` drops idle ones (the pool's reaper does this), so memory follows active sessions.
 */
export class Runner {
  private readonly runners = new Map<string, SessionRunner>();
  private readonly settings: SessionRunnerSettings;
  private readonly detachStops: () => void;

  constructor(options: RunnerOptions) {
    const logic = options.logic;
    if (!logic && !options.logicPerModel) throw errors.invalidArgument('a Runner needs logic or logicPerModel');
    this.settings = {
      store: options.store,
      logicFor: typeof logic === 'function' ? logic : () => logic as TurnLogic,
      resolveModel: checkedResolver(options.resolveModel ?? createModelResolver()),
      snapshotFilter: options.snapshotFilter,
      hooks: options.hooks,
      owner: options.owner ?? newId('proc'),
      leaseTtlMs: options.leaseTtlMs ?? 15_000,
      turnWaitMs: options.turnWaitMs ?? 30_000,
      turnTimeoutMs: options.turnTimeoutMs ?? DEFAULT_TURN_TIMEOUT_MS,
      providerRetry: { ...DEFAULT_PROVIDER_RETRY, ...options.providerRetry },
      onProviderError: options.onProviderError,
      maxBatch: options.maxBatch ?? 128,
      debounceMs: options.debounceMs ?? 0,
      pollIntervalMs: options.pollIntervalMs ?? 1_000,
      onError:
        options.onError ??
        ((error, sessionId) => console.error(`confab: background turn of ${sessionId} failed:`, error)),
      compaction: options.compaction,
      logicPerModel: options.logicPerModel,
      logicGeneration: 0,
      beforeTurn: options.beforeTurn,
      useLogicModel: options.useLogicModel ?? false,
      observer: options.observer,
    };
    // Stop requests from other processes reach the turn wherever it runs.
    this.detachStops = hasStopSignaller(options.store)
      ? options.store.onStopRequest((sessionId) => void this.runners.get(sessionId)?.stop())
      : () => undefined;
  }

  /**
   * Sets (or with null removes) the admission every batched turn waits for before it starts (see
   * {@link BatchedTurnAdmission}). A server sets it on a pool built before it.
   */
  setBatchedTurnAdmission(admit: BatchedTurnAdmission | null): void {
    this.settings.admitBatchedTurn = admit ?? undefined;
  }

  /** Makes every session runner build its turn logic again on its next use (a new factory, say). */
  rebuildLogic(): void {
    this.settings.logicGeneration++;
  }

  /** The runner of one session, created on first use. */
  session(sessionId: string): SessionRunner {
    let runner = this.runners.get(sessionId);
    if (!runner) {
      runner = new SessionRunner(sessionId, this.settings);
      this.runners.set(sessionId, runner);
    }
    return runner;
  }

  /** Runs `input` as its own turn. A string is the input text. */
  run(sessionId: string, input: string | NewInput, options?: TurnOptions): TurnHandle {
    return this.session(sessionId).run(typeof input === 'string' ? { text: input } : input, options);
  }

  /** Queues an input; inputs queued while a turn runs are combined into the next turn. */
  send(sessionId: string, input: string | NewInput): Promise<{ input: QueuedInput; created: boolean }> {
    return this.session(sessionId).send(typeof input === 'string' ? { text: input } : input);
  }

  /** Runs one turn with every input pending now; its result is null when none was. */
  runBatched(sessionId: string, options?: TurnOptions): TurnHandle<TurnResult | null> {
    return this.session(sessionId).runBatched(options);
  }

  /** Continues an interrupted turn. */
  resume(sessionId: string, answers: ResumeAnswers, options?: TurnOptions): TurnHandle {
    return this.session(sessionId).resume(answers, options);
  }

  /**
   * Stops the session's running turn in this process and waits for it to end: true when it ended
   * `aborted` (or `timeout`), false when none runs here or it ended otherwise (see
   * {@link SessionRunner.stop}).
   */
  stop(sessionId: string): Promise<boolean> {
    return this.runners.get(sessionId)?.stop() ?? Promise.resolve(false);
  }

  /**
   * Stops the session's running turn in this process, or — when the store can signal other
   * processes and one holds the session's lease — asks that process to stop it. Either way it waits
   * for the turn's `turn-end` and is true only when that says `aborted` (or `timeout`); a turn
   * elsewhere is waited for up to the turn wait (false after it, and when no turn was running).
   */
  async stopAnywhere(sessionId: string): Promise<boolean> {
    return (await this.requestStop(sessionId))();
  }

  /** Asks for the stop; resolves once it is asked, with how to wait for the stop's answer. */
  private async requestStop(sessionId: string): Promise<() => Promise<boolean>> {
    const local = this.runners.get(sessionId);
    if (local?.running) {
      const answer = local.stop();
      return () => answer;
    }
    const store = this.settings.store;
    if (!hasStopSignaller(store) || !(await store.getLease(sessionId))) return async () => false;
    const session = await store.getSession(sessionId);
    const turn = session ? readRuntime(session).turn : null;
    await store.requestStop(sessionId);
    if (!session || turn?.phase !== 'running') return async () => false;
    const subscribe = this.subscribe.bind(this);
    return () => awaitTurnEnd(subscribe, sessionId, session.lastSeq, turn.index, this.settings.turnWaitMs);
  }

  /** The session's events after `from`, then live, until `signal` aborts. */
  subscribe(sessionId: string, from?: StreamPosition, signal?: AbortSignal): AsyncGenerator<StreamEvent> {
    return this.session(sessionId).subscribe(from, signal);
  }

  /**
   * Drops a session's runner when nothing uses it (no turn, no live subscriber); its session stays
   * in the store. False when it is in use or not resident.
   */
  evict(sessionId: string): boolean {
    const runner = this.runners.get(sessionId);
    if (!runner?.evictable) return false;
    this.runners.delete(sessionId);
    return true;
  }

  /** Session runners held in memory. */
  get residentCount(): number {
    return this.runners.size;
  }

  /** Runners idle since before `idleSince` (epoch ms). */
  idleRunners(idleSince: number): string[] {
    return [...this.runners.values()]
      .filter((runner) => runner.evictable && runner.lastUsedAt < idleSince)
      .map((runner) => runner.sessionId);
  }

  /**
   * Stops the session's turn here or elsewhere and waits, up to `timeoutMs`, for this process's
   * work on it to finish, so a close or delete that follows never cuts a turn in half.
   */
  async stopAndWait(sessionId: string, timeoutMs = 5_000): Promise<void> {
    // Only asked: the answer would wait for a turn elsewhere, and for one here without the time limit.
    await this.requestStop(sessionId);
    const runner = this.runners.get(sessionId);
    if (!runner) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([runner.idle(), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  /** Stops every running turn and waits for all work to finish. */
  async close(): Promise<void> {
    this.detachStops();
    for (const runner of this.runners.values()) void runner.stop();
    await Promise.all([...this.runners.values()].map((runner) => runner.abandonCompaction()));
    await Promise.all([...this.runners.values()].map((runner) => runner.idle()));
  }
}

/**
 * Whether turn `index` of the session ends `aborted` (or `timeout`), read from its `turn-end`
 * after `afterSeq`; false when none is written within `waitMs`.
 */
async function awaitTurnEnd(
  subscribe: Runner['subscribe'],
  sessionId: string,
  afterSeq: number,
  index: number,
  waitMs: number,
): Promise<boolean> {
  const signal = AbortSignal.timeout(waitMs);
  for await (const event of subscribe(sessionId, { seq: afterSeq }, signal)) {
    if (event.type === 'turn-end' && !('sub' in event) && event.turn === index) {
      return event.data.stopReason === 'aborted' || event.data.stopReason === 'timeout';
    }
  }
  return false;
}
