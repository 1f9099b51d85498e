import { ConfabError, errors } from '../errors.js';
import type { DeltaEvent, StopReason, TurnStartExtras } from '../model/event.js';
import type { Lease, NewInput, QueuedInput } from '../model/records.js';
import type { SessionRecord } from '../model/session.js';
import { observe } from '../telemetry/observer.js';
import type { TurnLogic } from './agent.js';
import { type AutoCompaction, BackgroundCompaction } from './auto-compaction.js';
import { continueFoldedTurn, type FoldedTurnStart, type FoldSettings, foldTurnStart } from './folded-turn-start.js';
import { acquireLeaseUntil, LeaseKeeper } from './lease-keeper.js';
import { runNewTurn } from './new-turn.js';
import { ResidentContext } from './resident-context.js';
import { assertSameInput, claimTokenOf, inputsOfRun } from './run-inputs.js';
import { type StreamPosition, subscribeToSession } from './session-subscription.js';
import {
  type EngineDeps,
  type ResumeAnswers,
  resolveTurnModel,
  type TurnExecution,
  type TurnResult,
} from './turn-engine.js';
import { TurnHandle } from './turn-handle.js';
import { readTurnResult } from './turn-result.js';
import { closePendingInterrupt, recoverTurn, resumeTurn } from './turn-resume.js';
import type { StreamEvent } from './turn-writer.js';
import { waitUntil } from './wait-until.js';

export type { StreamPosition } from './session-subscription.js';

/** Settings shared by every session runner of a {@link Runner}. */
export interface SessionRunnerSettings extends EngineDeps {
  /** Names this process in leases. */
  owner: string;
  leaseTtlMs: number;
  /** How long a turn waits for the session before `turn_in_progress`. */
  turnWaitMs: number;
  /** Per-turn timeout (`stopReason: "timeout"`); 0 for none. */
  turnTimeoutMs: number;
  maxBatch: number;
  debounceMs: number;
  /** How often a live subscription re-reads the store when nothing notified it. */
  pollIntervalMs: number;
  onError: (error: unknown, sessionId: string) => void;
  /** Automatic compaction before a new turn; absent or `maxTokens: null`: none. */
  compaction?: AutoCompaction;
  /**
   * Runs under the lease right before a new turn starts, after automatic compaction; returns the
   * session as it is afterwards. It must not throw for a recoverable problem: report and go on.
   */
  beforeTurn?: (session: SessionRecord, lease: Lease, emit: (event: StreamEvent) => void) => Promise<SessionRecord>;
  /** See {@link BatchedTurnAdmission}; absent: batched turns start at once. */
  admitBatchedTurn?: BatchedTurnAdmission;
  /** Turn logic per session and model, kept by each session runner (see {@link LogicPerModel}). */
  logicPerModel?: LogicPerModel;
  /** Bumped to make every session runner build its logic again. */
  logicGeneration: number;
}

/** How a runner builds turn logic per session and model (a pool's factory and default model). */
export interface LogicPerModel {
  build: (session: SessionRecord, model: string) => TurnLogic;
  /** The model of a turn that names none, for a session that names none. */
  defaultModel: () => string;
}

/**
 * Waits until a batched turn (one started from queued inputs, not by a caller) of `sessionId` may
 * run, and resolves to the function that frees its slot once the turn settled. A host uses it to
 * count such turns with the ones it starts itself and to hold them back while the session's app
 * is at its share. A rejection drops the drain (the inputs stay pending) and is reported to
 * `onError`.
 */
export type BatchedTurnAdmission = (sessionId: string) => Promise<() => void>;

/** Options of one turn. */
export interface TurnOptions {
  /** A model name for this turn only. */
  model?: string;
  /** Overrides the runner's per-turn timeout. */
  timeoutMs?: number;
  /** Overrides how long to wait for a running turn before `turn_in_progress`. */
  waitMs?: number;
  /** Optional fields written into the new turn's `turn-start` (ignored by a resume or a replay). */
  turnStart?: TurnStartExtras;
}

/**
 * Runs one session's turns, one at a time: in this process through a FIFO queue, across processes
 * through the store's lease (a turn holds it from before its first write to after its last). Keeps
 * the running turn's deltas so a reader who joins late gets them, and serves live subscriptions.
 */
export class SessionRunner {
  /** When this runner last did anything, for the reaper. */
  lastUsedAt = Date.now();
  private tail: Promise<unknown> = Promise.resolve();
  private queued = 0;
  private current: TurnExecution | null = null;
  /** Settles when the current execution's job has, with the `stopReason` of the last `turn-end` it wrote. */
  private currentEnd: Promise<StopReason | null> = Promise.resolve(null);
  private liveDeltas: DeltaEvent[] = [];
  private readonly listeners = new Set<(persisted: boolean) => void>();
  private drainScheduled = false;
  /** The session's prompt material, kept between turns so a turn reads only what is new. */
  private readonly context = new ResidentContext();
  /** The logic built for this session (with `logicPerModel`): for which model and generation. */
  private built: { model: string; generation: number; logic: TurnLogic } | null = null;
  /** The model the job under the lease asked for (a turn's `model` option), if any. */
  private requestedModel: string | undefined;
  /** Automatic compaction of this session, when the runner has a policy. */
  private readonly compaction: BackgroundCompaction | null;
  /** The engine's dependencies with this session's resident context. */
  private readonly deps: SessionRunnerSettings;
  private drainRetry: ReturnType<typeof setTimeout> | null = null;
  private drainRetryDelayMs = 0;

  constructor(
    readonly sessionId: string,
    private readonly settings: SessionRunnerSettings,
  ) {
    this.deps = {
      ...settings,
      loadContext: (session) => this.context.load(settings.store, session),
      logicFor: (session) => this.logicFor(session),
    };
    this.compaction = settings.compaction
      ? new BackgroundCompaction(
          this.deps,
          settings.compaction,
          this.context,
          () => this.writeCompactionSoon(),
          settings.onError,
        )
      : null;
  }

  /** True while a turn runs or waits here, or an automatic compaction is in preparation. */
  get busy(): boolean {
    return this.queued > 0 || this.drainScheduled || (this.compaction?.pending ?? false);
  }

  /** True when nothing uses this runner: no turn running or waiting, and no live subscriber. */
  get evictable(): boolean {
    return !this.busy && this.listeners.size === 0;
  }

  /**
   * Runs `input` as its own turn (first come, first served). With an `idempotencyKey` already seen,
   * no second turn runs: the handle replays the original turn.
   */
  run(input: NewInput, options: TurnOptions = {}): TurnHandle {
    return new TurnHandle((emit) =>
      this.exclusive(
        options.waitMs,
        emit,
        async (execution, session) => {
          assertRunnable(session);
          this.requestedModel = options.model;
          // An unknown model must fail before the input is queued, or a later turn would run it.
          const resolved = await resolveTurnModel(this.deps, session, options.model);
          const inputs = await inputsOfRun(this.settings.store, this.sessionId, execution, input);
          if ('replay' in inputs) return this.replay(inputs.replay, emit);
          session = await this.prepare(execution, session);
          return this.withTimeout(execution, options, () =>
            runNewTurn(this.deps, execution, session, inputs, { ...options, resolved }),
          );
        },
        // The common case (nothing to do under the lease first) takes the lease with the turn's start.
        async () => {
          if (this.settings.beforeTurn) return null;
          this.requestedModel = options.model;
          try {
            const folded = await foldTurnStart(this.deps, this.foldSettings(), input, options);
            return (
              folded && { lease: folded.lease, job: (execution) => this.continueFolded(execution, folded, options) }
            );
          } catch (error) {
            this.requestedModel = undefined;
            throw error;
          }
        },
      ),
    );
  }

  /** Queues an input for the next batched turn and makes sure a turn will take it. */
  async send(input: NewInput): Promise<{ input: QueuedInput; created: boolean }> {
    this.lastUsedAt = Date.now();
    const session = await this.settings.store.getSession(this.sessionId);
    if (!session) throw errors.notFound('session', this.sessionId);
    assertRunnable(session);
    const result = await this.settings.store.enqueueInput(this.sessionId, input);
    if (!result.created) assertSameInput(result.input, input);
    if (result.created) this.scheduleDrain();
    return result;
  }

  /** Runs one turn now with every pending input (up to `maxBatch`); the result is null when none was pending. */
  runBatched(options: TurnOptions = {}): TurnHandle<TurnResult | null> {
    return new TurnHandle((emit) =>
      this.exclusive(Number.POSITIVE_INFINITY, emit, (execution, session) =>
        this.batchTurn(execution, session, options),
      ),
    );
  }

  /** Continues an interrupted turn with tool results and approvals. */
  resume(answers: ResumeAnswers, options: TurnOptions = {}): TurnHandle {
    return new TurnHandle((emit) =>
      this.exclusive(options.waitMs, emit, (execution, session) => {
        this.requestedModel = options.model;
        return this.withTimeout(execution, options, () => resumeTurn(this.deps, execution, session, answers));
      }),
    );
  }

  /** True while this process runs a turn (or other work under the lease) for the session. */
  get running(): boolean {
    return this.current !== null;
  }

  /**
   * Stops the running turn in this process and waits for it to end. True when it then ended
   * `aborted` (or `timeout`); false when none runs here, a stop or timeout had already fired, or the
   * turn ended otherwise — a stop that arrives after the model's final answer, while the turn-end is
   * being written, does not stop it. The answer always agrees with the turn's `turn-end`.
   */
  async stop(): Promise<boolean> {
    if (!this.current || this.current.controller.signal.aborted) return false;
    const ended = this.currentEnd;
    this.current.controller.abort('aborted');
    const stopReason = await ended;
    return stopReason === 'aborted' || stopReason === 'timeout';
  }

  /**
   * The session's events after `from`, then live: persisted events in seq order, and the running
   * turn's deltas after their persisted event. Each event exactly once; ends when `signal` aborts.
   */
  subscribe(from: StreamPosition = { seq: 0 }, signal?: AbortSignal): AsyncGenerator<StreamEvent> {
    return subscribeToSession(
      {
        store: this.settings.store,
        sessionId: this.sessionId,
        pollIntervalMs: this.settings.pollIntervalMs,
        listeners: this.listeners,
        liveDeltas: () => this.liveDeltas,
      },
      from,
      signal,
    );
  }

  /**
   * Runs `job` with the session's lease, in turn with this session's turns (for work that writes
   * the log outside a turn, such as a manual compaction). Waits up to the turn wait.
   */
  withLease<T>(job: (session: SessionRecord, lease: Lease) => Promise<T>, waitMs?: number): Promise<T> {
    return this.exclusive(
      waitMs,
      () => undefined,
      (execution, session) => job(session, execution.keeper.lease),
    );
  }

  /** Stops an automatic compaction in preparation (nothing of it is written) and waits for it. */
  async abandonCompaction(): Promise<void> {
    await this.compaction?.close();
  }

  /** Waits for running work to finish. */
  async idle(): Promise<void> {
    while (this.busy) {
      const tail = this.tail;
      await tail;
      // A drain still in its debounce or waiting for admission is busy before it joins the tail:
      // awaiting the settled tail again would spin on microtasks and starve the timer or I/O it
      // waits for, so give them a turn.
      if (this.busy && tail === this.tail) await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  // --- internals ------------------------------------------------------------------------------

  /** The session's turn logic: the runner's, or (with `logicPerModel`) the one built for the turn's model. */
  private logicFor(session: SessionRecord): TurnLogic {
    const perModel = this.settings.logicPerModel;
    if (!perModel) return this.settings.logicFor(session);
    const model = this.requestedModel ?? session.model ?? perModel.defaultModel();
    const generation = this.settings.logicGeneration;
    const built = this.built;
    if (built && built.model === model && built.generation === generation) return built.logic;
    const logic = perModel.build(session, model);
    this.built = { model, generation, logic };
    return logic;
  }

  private broadcast(event: StreamEvent): void {
    const persisted = !('sub' in event);
    // Deltas before a persisted event are superseded by it (a subscription past it skips them): keep
    // only those after the latest one, so a long turn's buffer holds one message's deltas at most.
    if (persisted) {
      if (this.liveDeltas.length > 0) this.liveDeltas = [];
    } else this.liveDeltas.push(event);
    for (const listener of this.listeners) listener(persisted);
  }

  /**
   * Runs `job` once this process's earlier work for the session is done and the store's lease is
   * held, within `waitMs` (default the turn wait) or `turn_in_progress`. Before the job, claims of
   * dead holders go back to the queue and a turn a dead holder left running is closed.
   */
  private exclusive<T>(
    waitMs: number | undefined,
    emit: (event: StreamEvent) => void,
    job: (execution: TurnExecution, session: SessionRecord) => Promise<T>,
    /** Tries to take the lease with the job's first write instead; null: take it the usual way. */
    fold?: () => Promise<{ lease: Lease; job: (execution: TurnExecution) => Promise<T> } | null>,
  ): Promise<T> {
    const now = Date.now();
    const deadline = now + (waitMs ?? this.settings.turnWaitMs);
    const previous = this.tail;
    // With nothing running or waiting, every earlier job has settled and `previous` settles within
    // a few microtasks: no deadline timer is needed to wait for it.
    const nothingAhead = this.queued === 0;
    this.queued++;
    this.lastUsedAt = now;
    const run = async (): Promise<T> => {
      const inTime = nothingAhead ? await previous.then(() => true) : await waitUntil(previous, deadline);
      if (!inTime) throw new ConfabError('turn_in_progress', `session ${this.sessionId} is running another turn`);
      const { store, owner, leaseTtlMs } = this.settings;
      const folded = fold ? await fold() : null;
      const acquired = folded
        ? { lease: folded.lease, previous: 'released' as const }
        : await acquireLeaseUntil(store, this.sessionId, owner, leaseTtlMs, deadline);
      if (!acquired) throw new ConfabError('turn_in_progress', `session ${this.sessionId} is running a turn elsewhere`);
      const controller = new AbortController();
      // A lost lease ends the turn like a stop would, but it is reported as an error.
      const keeper = new LeaseKeeper(store, acquired.lease, leaseTtlMs, (reason) => controller.abort(reason));
      let endedWith: StopReason | null = null;
      let markEnded!: (stopReason: StopReason | null) => void;
      const execution: TurnExecution = {
        keeper,
        controller,
        emit: (event) => {
          // A stop reports what the turn-end says; this one is durable, as everything emitted.
          if (event.type === 'turn-end' && !('sub' in event)) endedWith = event.data.stopReason;
          emit(event);
          this.broadcast(event);
        },
        unconsumedClaims: false,
      };
      this.current = execution;
      this.currentEnd = new Promise((resolve) => (markEnded = resolve));
      try {
        if (folded) return await folded.job(execution);
        // Every holder puts back its own unconsumed claims before releasing the lease, so only a
        // holder whose lease expired (it died or stalled) can have left claims behind.
        if (acquired.previous === 'expired') {
          observe(this.settings.observer, { type: 'lease.takeover', sessionId: this.sessionId });
          await store.releaseInputs(this.sessionId);
        }
        const found = await store.getSession(this.sessionId);
        if (!found) throw errors.notFound('session', this.sessionId);
        const session = await recoverTurn(this.deps, keeper, found, (event) => this.broadcast(event));
        return await job(execution, session);
      } finally {
        this.current = null;
        this.requestedModel = undefined;
        // A turn that failed may have left its logic (a provider client, say) broken: build anew.
        if (endedWith === 'error') this.built = null;
        markEnded(endedWith);
        await this.giveUp(execution);
      }
    };
    const result = run().finally(() => {
      this.queued--;
      this.lastUsedAt = Date.now();
    });
    // The next job waits for both: a job that gave up early must not let it overtake the running one.
    this.tail = Promise.allSettled([previous, result]);
    return result;
  }

  /** The rest of a turn whose start took the lease (see `foldTurnStart`), under the turn's timeout and span. */
  private continueFolded(execution: TurnExecution, folded: FoldedTurnStart, options: TurnOptions) {
    return this.withTimeout(execution, options, () => continueFoldedTurn(this.deps, execution, folded));
  }

  private foldSettings(): FoldSettings {
    const { owner, leaseTtlMs } = this.settings;
    return { sessionId: this.sessionId, owner, leaseTtlMs, compaction: this.compaction };
  }

  private async withTimeout<T>(execution: TurnExecution, options: TurnOptions, body: () => Promise<T>): Promise<T> {
    const timeoutMs = options.timeoutMs ?? this.settings.turnTimeoutMs;
    const timer = timeoutMs > 0 ? setTimeout(() => execution.controller.abort('timeout'), timeoutMs) : null;
    if (timer) execution.deadline = Date.now() + timeoutMs;
    try {
      return await body();
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  private async batchTurn(
    execution: TurnExecution,
    session: SessionRecord,
    options: TurnOptions,
  ): Promise<TurnResult | null> {
    if (session.status !== 'active') return null;
    this.requestedModel = options.model;
    const resolved = await resolveTurnModel(this.deps, session, options.model);
    // Set before the claim: a claim whose answer was lost may still have committed.
    execution.unconsumedClaims = true;
    const claimed = await this.settings.store.claimInputs(this.sessionId, {
      max: this.settings.maxBatch,
      claimToken: claimTokenOf(execution),
    });
    execution.unconsumedClaims = claimed.length > 0;
    if (!claimed.length) return null;
    const ready = await this.prepare(execution, session);
    return this.withTimeout(execution, options, () =>
      runNewTurn(this.deps, execution, ready, { claimed }, { ...options, resolved }),
    );
  }

  /**
   * Ends an execution's hold on the session: puts back claims it did not consume, then releases
   * the lease. When the claims cannot be put back, the lease is left to expire instead, so that
   * the next holder sees it `expired` and puts them back itself.
   */
  private async giveUp(execution: TurnExecution): Promise<void> {
    if (execution.unconsumedClaims) {
      try {
        await this.settings.store.releaseInputs(this.sessionId, claimTokenOf(execution));
      } catch (error) {
        execution.keeper.abandon();
        this.settings.onError(error, this.sessionId);
        return;
      }
    }
    await execution.keeper.release();
  }

  /** What runs under the lease before every new turn. */
  private async prepare(execution: TurnExecution, session: SessionRecord): Promise<SessionRecord> {
    let ready = await closePendingInterrupt(this.settings.store, execution, session);
    if (this.compaction) ready = await this.compaction.beforeTurn(ready, execution.keeper.lease);
    return this.settings.beforeTurn ? this.settings.beforeTurn(ready, execution.keeper.lease, execution.emit) : ready;
  }

  /**
   * Writes a background compaction's summary under the lease as soon as the session's turns let
   * it (it queues like a turn). When the lease cannot be had in time (a turn elsewhere), the summary
   * stays ready for the next turn here, which writes it before building its prompt.
   */
  private writeCompactionSoon(): void {
    const compaction = this.compaction;
    if (!compaction) return;
    this.exclusive(
      undefined,
      () => undefined,
      (execution, session) => compaction.write(session, execution.keeper.lease),
    ).catch((error: unknown) => {
      if (!ConfabError.isInstance(error, 'turn_in_progress')) this.settings.onError(error, this.sessionId);
    });
  }

  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    setTimeout(() => {
      const handle = new TurnHandle(async (emit) => {
        const release = this.settings.admitBatchedTurn ? await this.settings.admitBatchedTurn(this.sessionId) : null;
        try {
          return await this.exclusive(Number.POSITIVE_INFINITY, emit, (execution, session) => {
            // From here on, a new input needs a new drain: this one has already looked at the queue.
            this.drainScheduled = false;
            return this.batchTurn(execution, session, {});
          });
        } finally {
          release?.();
        }
      });
      handle.result.then(
        async (result) => {
          this.drainRetryDelayMs = 0;
          if (!result) return;
          // Inputs that arrived during the turn need another drain. This look can fail too (a
          // store closed at shutdown, a database restart): reported, never an unhandled rejection.
          try {
            if ((await this.settings.store.countPendingInputs(this.sessionId)) > 0) this.scheduleDrain();
          } catch (error) {
            this.settings.onError(error, this.sessionId);
            this.retryDrainLater(error);
          }
        },
        (error: unknown) => {
          this.drainScheduled = false;
          this.settings.onError(error, this.sessionId);
          this.retryDrainLater(error);
        },
      );
    }, this.settings.debounceMs);
  }

  /**
   * After a drain failed on the store (`unavailable`: a database restart, a full disk) or lost the
   * race for the lease, the queued inputs would otherwise wait for the next input to arrive: try
   * again after 0.5, 1, 2, … 30 s (about a minute in all), while inputs are pending. A successful
   * drain resets it; after the last try the next input (or another process) drains the queue.
   */
  private retryDrainLater(error: unknown): void {
    if (!ConfabError.isInstance(error, 'unavailable') && !ConfabError.isInstance(error, 'turn_in_progress')) return;
    if (this.drainRetry) return;
    if (this.drainRetryDelayMs >= 30_000) {
      this.drainRetryDelayMs = 0;
      return;
    }
    this.drainRetryDelayMs = Math.min(30_000, this.drainRetryDelayMs === 0 ? 500 : this.drainRetryDelayMs * 2);
    this.drainRetry = setTimeout(() => {
      this.drainRetry = null;
      this.settings.store.countPendingInputs(this.sessionId).then(
        (pending) => {
          if (pending > 0) this.scheduleDrain();
          else this.drainRetryDelayMs = 0;
        },
        (failure: unknown) => this.retryDrainLater(failure),
      );
    }, this.drainRetryDelayMs);
    this.drainRetry.unref?.();
  }

  private async replay(input: QueuedInput, emit: (event: StreamEvent) => void): Promise<TurnResult> {
    const result = await readTurnResult(this.settings.store, this.sessionId, input);
    for (const event of result.events) emit(event);
    return result;
  }
}

function assertRunnable(session: SessionRecord): void {
  if (session.status === 'closed') throw errors.sessionClosed(session.id);
  if (session.status === 'archived') throw errors.failedPrecondition(`session ${session.id} is archived`);
}
