import { ConfabError, errors } from '../errors.js';
import type { DeltaEvent } from '../model/event.js';
import type { Lease, NewInput, QueuedInput } from '../model/records.js';
import type { SessionRecord } from '../model/session.js';
import { observe } from '../telemetry/observer.js';
import { acquireLeaseUntil, LeaseKeeper } from './lease-keeper.js';
import { runNewTurn } from './new-turn.js';
import { claimTokenOf, inputsOfRun } from './run-inputs.js';
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
  /**
   * Runs under the lease right before a new turn starts (e.g. automatic compaction); returns the
   * session as it is afterwards. It must not throw for a recoverable problem: report and go on.
   */
  beforeTurn?: (session: SessionRecord, lease: Lease, emit: (event: StreamEvent) => void) => Promise<SessionRecord>;
}

/** Options of one turn. */
export interface TurnOptions {
  /** A model name for this turn only. */
  model?: string;
  /** Overrides the runner's per-turn timeout. */
  timeoutMs?: number;
  /** Overrides how long to wait for a running turn before `turn_in_progress`. */
  waitMs?: number;
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
  private liveDeltas: DeltaEvent[] = [];
  private readonly listeners = new Set<() => void>();
  private drainScheduled = false;

  constructor(
    readonly sessionId: string,
    private readonly settings: SessionRunnerSettings,
  ) {}

  /** True while a turn runs or waits here. */
  get busy(): boolean {
    return this.queued > 0 || this.drainScheduled;
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
      this.exclusive(options.waitMs, emit, async (execution, session) => {
        assertRunnable(session);
        // An unknown model must fail before the input is queued, or a later turn would run it.
        await resolveTurnModel(this.settings, session, options.model);
        const inputs = await inputsOfRun(this.settings.store, this.sessionId, execution, input);
        if ('replay' in inputs) return this.replay(inputs.replay, emit);
        session = await this.prepare(execution, session);
        return this.withTimeout(execution, options, () =>
          runNewTurn(this.settings, execution, session, inputs, options),
        );
      }),
    );
  }

  /** Queues an input for the next batched turn and makes sure a turn will take it. */
  async send(input: NewInput): Promise<{ input: QueuedInput; created: boolean }> {
    this.lastUsedAt = Date.now();
    const session = await this.settings.store.getSession(this.sessionId);
    if (!session) throw errors.notFound('session', this.sessionId);
    assertRunnable(session);
    const result = await this.settings.store.enqueueInput(this.sessionId, input);
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
      this.exclusive(options.waitMs, emit, (execution, session) =>
        this.withTimeout(execution, options, () => resumeTurn(this.settings, execution, session, answers)),
      ),
    );
  }

  /** Stops the running turn in this process (`stopReason: "aborted"`); false when none runs here. */
  stop(): boolean {
    if (!this.current || this.current.controller.signal.aborted) return false;
    this.current.controller.abort('aborted');
    return true;
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

  /** Waits for running work to finish. */
  async idle(): Promise<void> {
    while (this.busy) await this.tail;
  }

  // --- internals ------------------------------------------------------------------------------

  private broadcast(event: StreamEvent): void {
    if ('sub' in event) this.liveDeltas.push(event);
    else if (event.type === 'turn-start' || event.type === 'turn-end') this.liveDeltas = [];
    for (const listener of this.listeners) listener();
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
      const acquired = await acquireLeaseUntil(store, this.sessionId, owner, leaseTtlMs, deadline);
      if (!acquired) throw new ConfabError('turn_in_progress', `session ${this.sessionId} is running a turn elsewhere`);
      const controller = new AbortController();
      // A lost lease ends the turn like a stop would, but it is reported as an error.
      const keeper = new LeaseKeeper(store, acquired.lease, leaseTtlMs, (reason) => controller.abort(reason));
      const execution: TurnExecution = {
        keeper,
        controller,
        emit: (event) => {
          emit(event);
          this.broadcast(event);
        },
        unconsumedClaims: false,
      };
      this.current = execution;
      try {
        // Every holder puts back its own unconsumed claims before releasing the lease, so only a
        // holder whose lease expired (it died or stalled) can have left claims behind.
        if (acquired.previous === 'expired') {
          observe(this.settings.observer, { type: 'lease.takeover', sessionId: this.sessionId });
          await store.releaseInputs(this.sessionId);
        }
        const found = await store.getSession(this.sessionId);
        if (!found) throw errors.notFound('session', this.sessionId);
        const session = await recoverTurn(this.settings, keeper, found, (event) => this.broadcast(event));
        return await job(execution, session);
      } finally {
        this.current = null;
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

  private async withTimeout<T>(execution: TurnExecution, options: TurnOptions, body: () => Promise<T>): Promise<T> {
    const timeoutMs = options.timeoutMs ?? this.settings.turnTimeoutMs;
    const timer = timeoutMs > 0 ? setTimeout(() => execution.controller.abort('timeout'), timeoutMs) : null;
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
    await resolveTurnModel(this.settings, session, options.model);
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
      runNewTurn(this.settings, execution, ready, { claimed }, options),
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
    const ready = await closePendingInterrupt(this.settings.store, execution, session);
    return this.settings.beforeTurn ? this.settings.beforeTurn(ready, execution.keeper.lease, execution.emit) : ready;
  }

  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    setTimeout(() => {
      const handle = new TurnHandle((emit) =>
        this.exclusive(Number.POSITIVE_INFINITY, emit, (execution, session) => {
          // From here on, a new input needs a new drain: this one has already looked at the queue.
          this.drainScheduled = false;
          return this.batchTurn(execution, session, {});
        }),
      );
      handle.result.then(
        async (result) => {
          if (result && (await this.settings.store.countPendingInputs(this.sessionId)) > 0) this.scheduleDrain();
        },
        (error: unknown) => {
          this.drainScheduled = false;
          this.settings.onError(error, this.sessionId);
        },
      );
    }, this.settings.debounceMs);
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
