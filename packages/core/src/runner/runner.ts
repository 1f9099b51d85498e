import type { NewInput, QueuedInput } from '../model/records.js';
import type { SessionRecord } from '../model/session.js';
import { hasStopSignaller, type SessionStore } from '../store/session-store.js';
import type { RuntimeObserver } from '../telemetry/observer.js';
import { newId } from '../util/ids.js';
import type { TurnLogic } from './agent.js';
import { createModelResolver, type ModelResolver } from './model-resolver.js';
import { SessionRunner, type SessionRunnerSettings, type StreamPosition, type TurnOptions } from './session-runner.js';
import type { ResumeAnswers, SnapshotFilter, TurnHooks, TurnResult } from './turn-engine.js';
import type { TurnHandle } from './turn-handle.js';
import type { StreamEvent } from './turn-writer.js';

/** Options of {@link Runner}; everything but `store` and `logic` has a default. */
export interface RunnerOptions {
  store: SessionStore;
  /** The turn logic for every session, or chosen per session. */
  logic: TurnLogic | ((session: SessionRecord) => TurnLogic);
  /** Default: `echo`, `openai:…`, `anthropic:…`, `openai-compatible:…`. */
  resolveModel?: ModelResolver;
  /** Names this process in leases. Default a random id. */
  owner?: string;
  /** Lease time to live; a dead process's sessions are taken over after this. Default 15 s. */
  leaseTtlMs?: number;
  /** How long a turn waits for a running one before `turn_in_progress`. Default 30 s. */
  turnWaitMs?: number;
  /** Per-turn timeout; 0 for none. Default 0. */
  turnTimeoutMs?: number;
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
    this.settings = {
      store: options.store,
      logicFor: typeof logic === 'function' ? logic : () => logic,
      resolveModel: options.resolveModel ?? createModelResolver(),
      snapshotFilter: options.snapshotFilter,
      hooks: options.hooks,
      owner: options.owner ?? newId('proc'),
      leaseTtlMs: options.leaseTtlMs ?? 15_000,
      turnWaitMs: options.turnWaitMs ?? 30_000,
      turnTimeoutMs: options.turnTimeoutMs ?? 0,
      maxBatch: options.maxBatch ?? 128,
      debounceMs: options.debounceMs ?? 0,
      pollIntervalMs: options.pollIntervalMs ?? 1_000,
      onError:
        options.onError ??
        ((error, sessionId) => console.error(`confab: background turn of ${sessionId} failed:`, error)),
      beforeTurn: options.beforeTurn,
      useLogicModel: options.useLogicModel ?? false,
      observer: options.observer,
    };
    // Stop requests from other processes reach the turn wherever it runs.
    this.detachStops = hasStopSignaller(options.store)
      ? options.store.onStopRequest((sessionId) => this.runners.get(sessionId)?.stop())
      : () => undefined;
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

  /** Stops the session's running turn in this process; false when none runs here. */
  stop(sessionId: string): boolean {
    return this.runners.get(sessionId)?.stop() ?? false;
  }

  /**
   * Stops the session's running turn in this process, or — when the store can signal other
   * processes and one holds the session's lease — asks that process to stop it. True when a turn
   * was running (here or elsewhere).
   */
  async stopAnywhere(sessionId: string): Promise<boolean> {
    if (this.stop(sessionId)) return true;
    const store = this.settings.store;
    if (!hasStopSignaller(store) || !(await store.getLease(sessionId))) return false;
    await store.requestStop(sessionId);
    return true;
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
    await this.stopAnywhere(sessionId);
    const runner = this.runners.get(sessionId);
    if (!runner) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([runner.idle(), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  /** Stops every running turn and waits for all work to finish. */
  async close(): Promise<void> {
    this.detachStops();
    for (const runner of this.runners.values()) runner.stop();
    await Promise.all([...this.runners.values()].map((runner) => runner.idle()));
  }
}
