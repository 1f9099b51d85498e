import { compactSession } from '../compaction/compact-session.js';
import { needsCompaction, resolveCompactionSettings } from '../compaction/compaction-policy.js';
import { ConfabError, errors } from '../errors.js';
import { LifecycleBus } from '../lifecycle/lifecycle-bus.js';
import type { JsonObject } from '../model/json.js';
import type { NewInput, QueuedInput } from '../model/records.js';
import type { NewSession, SessionPatch, SessionRecord } from '../model/session.js';
import { defineAgent, type ModelReference, type TurnLogic } from '../runner/agent.js';
import { readConversationContext } from '../runner/conversation-context.js';
import { checkedResolver, createModelResolver, type RuntimeModelResolver } from '../runner/model-resolver.js';
import { Runner, type RunnerOptions } from '../runner/runner.js';
import type { StreamPosition, TurnOptions } from '../runner/session-runner.js';
import type { ResumeAnswers, TurnResult } from '../runner/turn-engine.js';
import type { TurnHandle } from '../runner/turn-handle.js';
import type { StreamEvent } from '../runner/turn-writer.js';
import type { EventPage, ReadEventsQuery, SessionPage, SessionStore } from '../store/port/session-store.js';
import { observe, type RuntimeObserver } from '../telemetry/observer.js';
import { applyMergePatch } from '../util/merge-patch.js';
import { type RetentionOptions, RetentionSweeper } from './retention-sweeper.js';

/** The largest `meta` (as JSON bytes) `updateSession` lets a merge produce by default: 64 KiB. */
export const DEFAULT_MAX_META_BYTES = 64 * 1024;

/** The most bytes the files of one input may hold together, by default: 64 MiB. */
export const DEFAULT_MAX_INPUT_FILE_BYTES = 64 * 1024 * 1024;

/** Limits of one call that takes an input ({@link Pool.chat}, {@link Pool.send}). */
export interface InputLimits {
  /** The most bytes the input's files may hold together; default {@link DEFAULT_MAX_INPUT_FILE_BYTES}. */
  maxInputFileBytes?: number;
}

/** What {@link Pool.updateSession} may change. */
export interface SessionChanges {
  /** A new title; null clears it. */
  title?: string | null;
  /** A new model name for later turns; null clears it (the pool's default applies). */
  model?: string | null;
  /** A JSON Merge Patch (RFC 7386) applied to `meta`: a `null` value removes its key. */
  meta?: JsonObject;
}

/** Builds the turn logic of a session for a model. */
export type RunnerFactory = (session: SessionRecord, model: string) => TurnLogic;

/** Options of {@link Pool}. Only `store` is required. */
export interface PoolOptions
  extends Omit<RunnerOptions, 'logic' | 'logicPerModel' | 'store' | 'hooks' | 'beforeTurn' | 'compaction'> {
  store: SessionStore;
  /** Default: a plain agent on the chosen model. */
  factory?: RunnerFactory;
  /** The model when neither the call nor the session names one. Default `echo`. */
  defaultModel?: string;
  /** The app sessions belong to when a call gives none. Default `default`. */
  appId?: string;
  /** Runners idle longer than this are evicted (their sessions stay stored). Default 10 min. */
  idleTimeoutMs?: number;
  /** How often the reaper looks. Default a tenth of the idle timeout, at most 60 s. */
  reaperIntervalMs?: number;
  /**
   * Automatic compaction: past `maxTokens` (default 80,000; negative: off) the history but the last
   * `keepTail` messages (default 20) is summarised by `fastModel` (default the session's model);
   * after a failed try, turns run `retryAfterMs` (default 60 s) before the next.
   */
  compaction?: { maxTokens?: number; keepTail?: number; fastModel?: ModelReference; retryAfterMs?: number };
  retention?: RetentionOptions;
  bus?: LifecycleBus;
}

/** Scope of a call: the app whose sessions it may see. */
export interface PoolScope {
  appId?: string;
}

/**
 * The object an application talks to: sessions by channel, turns, history, compaction, lifecycle
 * events and retention. Runners are created by the factory on demand, replaced when the model
 * changes or a runner died, and evicted by a reaper when idle, so memory follows active sessions.
 */
export class Pool {
  readonly bus: LifecycleBus;
  readonly runner: Runner;
  private readonly store: SessionStore;
  private factory: RunnerFactory;
  private defaultModel: string;
  private readonly appId: string;
  private readonly idleTimeoutMs: number;
  private readonly reaper: ReturnType<typeof setInterval>;
  private readonly resolveModel: RuntimeModelResolver;
  private readonly onError: (error: unknown, sessionId: string) => void;
  private readonly compaction: ReturnType<typeof resolveCompactionSettings> & { fastModel: ModelReference | null };
  private readonly observer: RuntimeObserver | undefined;
  readonly sweeper: RetentionSweeper;

  constructor(options: PoolOptions) {
    this.store = options.store;
    this.bus = options.bus ?? new LifecycleBus();
    this.observer = options.observer;
    this.factory = options.factory ?? ((_session, model) => defineAgent({ model }));
    this.defaultModel = options.defaultModel ?? 'echo';
    this.appId = options.appId ?? 'default';
    this.idleTimeoutMs = options.idleTimeoutMs ?? 10 * 60_000;
    this.resolveModel = checkedResolver(options.resolveModel ?? createModelResolver());
    this.onError =
      options.onError ?? ((error, sessionId) => console.error(`confab: compaction of ${sessionId} failed:`, error));
    this.compaction = {
      ...resolveCompactionSettings(options.compaction),
      fastModel: options.compaction?.fastModel ?? null,
    };
    this.runner = new Runner({
      ...options,
      resolveModel: this.resolveModel,
      useLogicModel: true,
      // Each session runner keeps the logic built for its model: the pool keeps no registry of its own.
      logicPerModel: {
        build: (session, model) => this.factory(session, model),
        defaultModel: () => this.defaultModel,
      },
      hooks: {
        turnStarted: (session, turn) => {
          this.bus.emit('turn.started', session, { turn });
          this.bus.emit('session.updated', session, { turnCount: session.turnCount });
        },
        turnEnded: (session, turnEnd, error) => {
          // A failed turn says why (the classified provider failure) next to its stop reason.
          const data = { turn: turnEnd.turn, ...turnEnd.data, ...(error && { error }) };
          this.bus.emit('turn.ended', session, data as unknown as JsonObject);
        },
      },
      compaction: {
        maxTokens: this.compaction.maxTokens,
        keepTail: this.compaction.keepTail,
        model: this.compaction.fastModel,
        defaultModel: this.defaultModel,
        retryAfterMs: options.compaction?.retryAfterMs,
        // A failed compaction is logged, written as an `error` event and emitted as `session.error`;
        // the turn still runs on the full history, so a session whose compaction fails is not jammed.
        onFailure: (session, message, durationMs) => {
          this.onError(new Error(message), session.id);
          observe(this.observer, {
            type: 'compaction',
            sessionId: session.id,
            automatic: true,
            durationMs,
            error: message,
          });
          this.bus.emit('session.error', session, { code: 'unavailable', message });
        },
        onCompacted: (session, durationMs) =>
          observe(this.observer, { type: 'compaction', sessionId: session.id, automatic: true, durationMs }),
      },
    });
    this.sweeper = new RetentionSweeper(this.store, this.bus, options.retention ?? {}, (sessionId) =>
      this.forget(sessionId),
    );
    const interval = options.reaperIntervalMs ?? Math.min(60_000, Math.max(10, Math.floor(this.idleTimeoutMs / 10)));
    this.reaper = setInterval(() => this.evictIdle(), interval);
    this.reaper.unref?.();
  }

  // --- sessions and channels --------------------------------------------------------------------

  /** Creates a session, optionally bound to a channel (which then has it as its active session). */
  async createSession(channel: string | null, options: Omit<NewSession, 'appId' | 'channel'> & PoolScope = {}) {
    const { appId, ...rest } = options;
    const result = await this.store.createSession({ ...rest, appId: appId ?? this.appId, channel });
    if (result.created) this.bus.emit('session.created', result.session, { channel });
    return result;
  }

  /** The channel's active session, created when there is none (atomic across callers). */
  async resolveSession(channel: string, options: Omit<NewSession, 'appId' | 'channel'> & PoolScope = {}) {
    const { appId, ...defaults } = options;
    const result = await this.store.resolveChannel(appId ?? this.appId, channel, defaults);
    if (result.created) this.bus.emit('session.created', result.session, { channel });
    return result;
  }

  /** Archives the channel's active session and creates a new one. */
  async rotateSession(channel: string, options: Omit<NewSession, 'appId' | 'channel'> & PoolScope = {}) {
    const { appId, ...defaults } = options;
    const result = await this.store.rotateChannel(appId ?? this.appId, channel, defaults);
    if (result.archived) {
      this.forget(result.archived.id);
      this.bus.emit('session.archived', result.archived, { channel });
    }
    this.bus.emit('session.created', result.session, { channel });
    return result;
  }

  /**
   * Changes a session's fields: `title` and `model` set (null clears), `meta` merged as a JSON Merge
   * Patch (RFC 7386: a `null` removes its key). The model must resolve (`invalid_argument` before
   * anything is written); a merged `meta` over `maxMetaBytes` of JSON is `payload_too_large`.
   * Optimistic: a concurrent change makes it re-read and re-apply, so no write is lost. Emits
   * `session.updated` with the changed fields, and only when something changed.
   */
  async updateSession(
    sessionId: string,
    changes: SessionChanges,
    options: PoolScope & { maxMetaBytes?: number } = {},
  ): Promise<SessionRecord> {
    let current = await this.getSession(sessionId, options);
    if (changes.model) await this.resolveModel(changes.model);
    const maxMetaBytes = options.maxMetaBytes ?? DEFAULT_MAX_META_BYTES;
    for (let attempt = 0; ; attempt++) {
      const patch: SessionPatch = {};
      if (changes.title !== undefined && changes.title !== current.title) patch.title = changes.title;
      if (changes.model !== undefined && changes.model !== current.model) patch.model = changes.model;
      if (changes.meta !== undefined) {
        const meta = applyMergePatch(current.meta, changes.meta);
        const size = new TextEncoder().encode(JSON.stringify(meta)).length;
        if (size > maxMetaBytes) {
          throw new ConfabError('payload_too_large', `meta would be over the limit of ${maxMetaBytes} bytes`);
        }
        if (JSON.stringify(meta) !== JSON.stringify(current.meta)) patch.meta = meta;
      }
      if (Object.keys(patch).length === 0) return current;
      try {
        const updated = await this.store.updateSession(current.id, patch, { expectedVersion: current.version });
        this.bus.emit('session.updated', updated, patch as JsonObject);
        return updated;
      } catch (error) {
        if (!ConfabError.isInstance(error, 'conflict') || attempt >= 8) throw error;
        current = await this.getSession(current.id, { appId: current.appId });
      }
    }
  }

  /** Archives a session: history kept, runner freed. */
  async archiveSession(sessionId: string, scope: PoolScope = {}): Promise<SessionRecord> {
    const before = await this.getSession(sessionId, scope);
    const session = await this.store.archiveSession(sessionId);
    this.forget(sessionId);
    if (before.status !== 'archived') this.bus.emit('session.archived', session);
    return session;
  }

  /** Soft close (idempotent). A running turn is stopped first and ends `aborted`. */
  async closeSession(sessionId: string, scope: PoolScope = {}) {
    await this.getSession(sessionId, scope);
    await this.runner.stopAndWait(sessionId);
    const result = await this.store.closeSession(sessionId);
    this.forget(sessionId);
    if (!result.alreadyClosed) this.bus.emit('session.closed', result.session);
    return result;
  }

  /** Hard delete: the session and everything of it is erased. */
  async deleteSession(sessionId: string, scope: PoolScope = {}): Promise<boolean> {
    const session = await this.getSession(sessionId, scope);
    await this.runner.stopAndWait(sessionId);
    const deleted = await this.store.deleteSession(sessionId);
    this.forget(sessionId);
    if (deleted) this.bus.emit('session.deleted', session);
    return deleted;
  }

  /**
   * Forks a session at a snapshot (default its latest, else its head) into a new session that
   * shares the history up to there, copy-on-write, and emits `session.created`.
   */
  async forkSession(
    sessionId: string,
    options: { snapshotId?: string | null } & PoolScope = {},
  ): Promise<SessionRecord> {
    const source = await this.getSession(sessionId, options);
    const fork = await this.store.forkSession({ sessionId, appId: source.appId, snapshotId: options.snapshotId });
    this.bus.emit('session.created', fork, { forkedFrom: sessionId, snapshotId: fork.parent?.snapshotId ?? null });
    return fork;
  }

  /**
   * Time travel: the conversation as it was at `snapshotId` (its history and its state), ready to
   * continue. The log is append-only, so this is a new session branching at the snapshot; the
   * original is kept as it is (archive it if it should no longer be used).
   */
  restoreSession(sessionId: string, snapshotId: string, scope: PoolScope = {}): Promise<SessionRecord> {
    return this.forkSession(sessionId, { ...scope, snapshotId });
  }

  /** The channel's active session, or null. */
  async activeSession(channel: string, scope: PoolScope = {}): Promise<SessionRecord | null> {
    const page = await this.store.listSessions({
      appId: scope.appId ?? this.appId,
      channel,
      status: 'active',
      limit: 1,
    });
    return page.sessions[0] ?? null;
  }

  /** The session; `not_found` when missing or another app's. */
  async getSession(sessionId: string, scope: PoolScope = {}): Promise<SessionRecord> {
    const session = await this.store.getSession(sessionId, { appId: scope.appId ?? this.appId });
    if (!session) throw errors.notFound('session', sessionId);
    return session;
  }

  /**
   * Sessions newest activity first; archived and closed ones only with `includeArchived`.
   * `search` and `parentId` filter as the store's `listSessions` does (title, id or
   * clientSessionId containing the text; the forks of one session).
   */
  listSessions(
    options: {
      includeArchived?: boolean;
      channel?: string;
      search?: string | null;
      parentId?: string | null;
      cursor?: string | null;
      limit?: number;
    } & PoolScope = {},
  ): Promise<SessionPage> {
    return this.store.listSessions({
      appId: options.appId ?? this.appId,
      channel: options.channel,
      status: options.includeArchived ? 'all' : 'active',
      search: options.search,
      parentId: options.parentId,
      cursor: options.cursor,
      limit: options.limit,
    });
  }

  /** A page of the session's events. */
  async history(sessionId: string, query: ReadEventsQuery & PoolScope = {}): Promise<EventPage> {
    await this.getSession(sessionId, query);
    return this.store.readEvents(sessionId, query);
  }

  // --- turns ------------------------------------------------------------------------------------

  /**
   * Runs `input` as a turn. Model choice: `options.model`, then the session's, then the default.
   * Its file tokens must name files of the session's app that have not expired, together at most
   * `maxInputFileBytes`: else `invalid_argument` (`payload_too_large` for the size) before anything
   * is written.
   */
  async chat(
    sessionId: string,
    input: string | NewInput,
    options: TurnOptions & PoolScope & InputLimits = {},
  ): Promise<TurnHandle> {
    const session = await this.getSession(sessionId, options);
    const checked = await this.checkFiles(session, input, options);
    return this.runner.run(sessionId, checked, { ...options, model: options.model });
  }

  /** Queues an input for the next batched turn; its files are checked as {@link chat} checks them. */
  async send(
    sessionId: string,
    input: string | NewInput,
    options: PoolScope & InputLimits = {},
  ): Promise<{ input: QueuedInput; created: boolean }> {
    const session = await this.getSession(sessionId, options);
    const checked = await this.checkFiles(session, input, options);
    return this.runner.send(sessionId, checked);
  }

  /** Continues an interrupted turn. */
  async resume(sessionId: string, answers: ResumeAnswers, options: TurnOptions & PoolScope = {}): Promise<TurnHandle> {
    await this.getSession(sessionId, options);
    return this.runner.resume(sessionId, answers, options);
  }

  /**
   * Stops the session's running turn, here or (with a store that signals stops) in another process,
   * and waits for its end: true only when its `turn-end` says `aborted` (or `timeout`), see
   * {@link Runner.stopAnywhere}.
   */
  async stop(sessionId: string, scope: PoolScope = {}): Promise<boolean> {
    await this.getSession(sessionId, scope);
    return this.runner.stopAnywhere(sessionId);
  }

  /** The session's events after `from`, then live. */
  async subscribe(
    sessionId: string,
    from?: StreamPosition,
    signal?: AbortSignal,
    scope: PoolScope = {},
  ): Promise<AsyncGenerator<StreamEvent>> {
    await this.getSession(sessionId, scope);
    return this.runner.subscribe(sessionId, from, signal);
  }

  // --- compaction -------------------------------------------------------------------------------

  /** Compacts now, whatever the token count (manual compaction works even when automatic is off). */
  async compactSession(sessionId: string, scope: PoolScope = {}) {
    const session = await this.getSession(sessionId, scope);
    return this.runner.session(sessionId).withLease(async (current, lease) => {
      const model = await this.resolveModel(this.compaction.fastModel ?? session.model ?? this.defaultModel);
      return compactSession({
        store: this.store,
        sessionId: current.id,
        lease,
        model,
        keepTail: this.compaction.keepTail,
      });
    });
  }

  /** True when the session's token count passes `maxTokens` and something can be compacted. */
  async needsCompaction(sessionId: string, scope: PoolScope = {}): Promise<boolean> {
    await this.getSession(sessionId, scope);
    return needsCompaction(await readConversationContext(this.store, sessionId), this.compaction);
  }

  // --- configuration and lifecycle --------------------------------------------------------------

  /** Replaces the factory; existing runners are rebuilt on their next turn. */
  setFactory(factory: RunnerFactory): void {
    this.factory = factory;
    this.runner.rebuildLogic();
  }

  /** Changes the default model for sessions that name none. */
  setDefaultModel(model: string): void {
    this.defaultModel = model;
  }

  /** Runners held in memory (one per recently active session). */
  get residentCount(): number {
    return this.runner.residentCount;
  }

  /** Runs one retention sweep now. */
  sweep(options: { force?: boolean } = {}) {
    return this.sweeper.sweep(options);
  }

  /** Stops the reaper and the sweeper, stops running turns and waits for them. */
  async close(): Promise<void> {
    clearInterval(this.reaper);
    this.sweeper.stop();
    await this.runner.close();
  }

  // --- internals --------------------------------------------------------------------------------

  /**
   * The input with its file tokens checked and each named once. Unknown, expired and other apps'
   * tokens get the same answer, so a token's existence never leaks across apps.
   */
  private async checkFiles(session: SessionRecord, input: string | NewInput, limits: InputLimits): Promise<NewInput> {
    const given = typeof input === 'string' ? { text: input } : input;
    if (!given.files?.length) return given;
    const maxBytes = limits.maxInputFileBytes ?? DEFAULT_MAX_INPUT_FILE_BYTES;
    const files = [...new Set(given.files)];
    let total = 0;
    for (const token of files) {
      const found = await this.store.getFile(session.appId, token);
      if (!found) throw errors.invalidArgument(`file token ${token.slice(0, 64)} is unknown or expired`);
      total += found.file.size;
      if (total > maxBytes) {
        throw new ConfabError(
          'payload_too_large',
          `the files of one input are over the limit of ${maxBytes} bytes together`,
        );
      }
    }
    return { ...given, files };
  }

  private forget(sessionId: string): void {
    this.runner.evict(sessionId);
  }

  /**
   * Evicts runners idle for longer than `olderThanMs` (default the idle timeout) and emits
   * `session.idle` for each; their sessions stay stored. Returns how many were evicted. The reaper
   * calls this on its timer.
   */
  evictIdle(olderThanMs = this.idleTimeoutMs): number {
    let evicted = 0;
    for (const sessionId of this.runner.idleRunners(Date.now() - olderThanMs + 1)) {
      if (!this.runner.evict(sessionId)) continue;
      evicted++;
      this.store
        .getSession(sessionId)
        .then((session) => session && this.bus.emit('session.idle', session))
        .catch(() => undefined);
    }
    return evicted;
  }
}

export type { TurnResult };
