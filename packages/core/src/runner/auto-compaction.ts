import { type PreparedCompaction, prepareCompaction } from '../compaction/compact-session.js';
import type { SessionEvent } from '../model/event.js';
import type { Lease } from '../model/records.js';
import type { SessionRecord } from '../model/session.js';
import type { SessionContext } from '../store/port/session-context.js';
import type { SessionStore } from '../store/port/session-store.js';
import { nextMacrotask } from '../util/yielder.js';
import type { ModelReference } from './agent.js';
import { resolveTruncations } from './conversation-context.js';
import type { ResidentContext } from './resident-context.js';
import type { EngineDeps } from './turn-engine.js';

/** Automatic compaction, as a session runner applies it around its turns (DESIGN §1.9). */
export interface AutoCompaction {
  /** Compact when the context passes this many tokens; null: never automatically. */
  maxTokens: number | null;
  /** Conversation messages kept verbatim. */
  keepTail: number;
  /** The model that writes summaries. Default: the turn logic's own model (a flow's: the session's, then `defaultModel`). */
  model?: ModelReference | null;
  /** The model name for a flow whose session names none. */
  defaultModel?: string;
  /** Told when a compaction failed; the failure is also written as an `error` event and turns run on. */
  onFailure?: (session: SessionRecord, message: string, durationMs: number) => void;
  /** Told when a compaction was written; `durationMs` runs from its start to its write. */
  onCompacted?: (session: SessionRecord, durationMs: number) => void;
  /**
   * After a failure, how long turns run without trying again (each try reads the history whole and
   * calls the model). Default 60 s.
   */
  retryAfterMs?: number;
}

/** A context this many times over `maxTokens` is compacted before the turn, not beside it. */
export const COMPACT_BEFORE_TURN_FACTOR = 2;

type Outcome = { prepared: PreparedCompaction; basedOn: number | null } | { failure: string };

/**
 * Automatic compaction off the turn path. The check before a turn costs no read: the size comes
 * from the resident context (the provider's last reported usage plus estimates of what came since).
 * Past `maxTokens` the summary is prepared in the background — read, cut, model calls — while
 * the session's turns go on, and written as one `compaction` event under the lease afterwards:
 * by a short job of its own, or by the next turn before it builds its prompt, whichever comes first.
 * So the turn that crosses the limit does not wait for a summary model. Only a context past
 * {@link COMPACT_BEFORE_TURN_FACTOR} × `maxTokens` (a session first loaded long after it grew, a
 * huge input) waits for the summary before its turn, so the model never gets far more than asked.
 *
 * A failure never fails a turn: it is written as an `error` event (`unavailable`, "compaction
 * failed: …"), reported to `onFailure`, and tries pause for `retryAfterMs`, so a broken summary
 * model costs no turn a read and a model call. A summary prepared while another compaction was
 * written (a manual one, another process's) is dropped.
 */
export class BackgroundCompaction {
  private job: Promise<void> | null = null;
  private outcome: Outcome | null = null;
  private startedAt = 0;
  private notBefore = 0;
  private readonly controller = new AbortController();

  /**
   * @param writeSoon asks the session's runner to run {@link write} under the lease when it can:
   *   called when a background summary is ready.
   * @param onError told of a write that failed (a session closed meanwhile, a lost lease).
   */
  constructor(
    private readonly deps: EngineDeps,
    private readonly policy: AutoCompaction,
    private readonly context: ResidentContext,
    private readonly writeSoon: () => void,
    private readonly onError: (error: unknown, sessionId: string) => void,
  ) {}

  /** True while a summary is prepared or waits to be written (the session's runner is not idle). */
  get pending(): boolean {
    return this.job !== null || this.outcome !== null;
  }

  /**
   * Runs under the lease before a new turn: writes a summary that is ready, or starts one when the
   * context passes the limit. Returns the session as it is afterwards.
   */
  async beforeTurn(session: SessionRecord, lease: Lease): Promise<SessionRecord> {
    if (this.policy.maxTokens === null) return session;
    if (this.outcome) return this.write(session, lease);
    const limit = this.policy.maxTokens;
    if (this.job === null && Date.now() < this.notBefore) return session;
    await this.context.load(this.deps.store, session);
    const tokens = this.context.tokens(session);
    if (this.job === null) {
      if (tokens <= limit) return session;
      this.start(session);
    }
    if (tokens <= limit * COMPACT_BEFORE_TURN_FACTOR) return session;
    await this.job;
    return this.write(session, lease);
  }

  /** Writes the finished summary (or the failure) under `lease`; the session as it is afterwards. */
  async write(session: SessionRecord, lease: Lease): Promise<SessionRecord> {
    const outcome = this.outcome;
    if (outcome === null) return session;
    this.outcome = null;
    const durationMs = Math.round(performance.now() - this.startedAt);
    const { store } = this.deps;
    try {
      if ('failure' in outcome) {
        await store.appendEvents({
          sessionId: session.id,
          lease,
          events: [{ type: 'error', turn: session.turnCount, data: { code: 'unavailable', message: outcome.failure } }],
        });
        this.policy.onFailure?.(session, outcome.failure, durationMs);
      } else {
        const context = await this.context.load(store, session);
        if ((context.compaction?.seq ?? null) !== outcome.basedOn) return session;
        await store.appendEvents({
          sessionId: session.id,
          lease,
          events: [{ type: 'compaction', turn: session.turnCount, data: { ...outcome.prepared } }],
        });
        this.policy.onCompacted?.(session, durationMs);
      }
    } catch (error) {
      // A session closed meanwhile, a lost lease: the turn goes on, a later one may try again.
      this.onError(error, session.id);
      return session;
    }
    return (await store.getSession(session.id)) ?? session;
  }

  /** Stops a summary in preparation and waits for it; nothing more is written. */
  async close(): Promise<void> {
    this.controller.abort();
    await this.job;
    this.outcome = null;
  }

  private start(session: SessionRecord): void {
    this.startedAt = performance.now();
    const { store } = this.deps;
    const signal = this.controller.signal;
    this.job = (async () => {
      try {
        const model = await this.deps.resolveModel(compactionModel(this.deps, this.policy, session));
        // Based, like the resident context the write compares with, on the conversation's own base
        // when a truncation reaches behind the latest summary (see readConversationContext).
        const context = await resolveTruncations(store, await readContextInPages(store, session.id));
        const prepared = await prepareCompaction(context, { model, keepTail: this.policy.keepTail, signal });
        // No cut yet (the tail alone is over the limit): the next turn looks again.
        if (prepared) this.outcome = { prepared, basedOn: context.compaction?.seq ?? null };
      } catch (error) {
        if (signal.aborted) return;
        this.notBefore = Date.now() + (this.policy.retryAfterMs ?? 60_000);
        this.outcome = { failure: `compaction failed: ${error instanceof Error ? error.message : String(error)}` };
      } finally {
        this.job = null;
      }
      if (this.outcome) this.writeSoon();
    })();
  }
}

function compactionModel(deps: EngineDeps, policy: AutoCompaction, session: SessionRecord): ModelReference {
  if (policy.model) return policy.model;
  const logic = deps.logicFor(session);
  if (logic.kind === 'agent') return logic.model;
  const name = session.model ?? policy.defaultModel;
  if (!name) throw new Error(`no model to summarise with: flow ${logic.name} has none and the session names none`);
  return name;
}

const PAGE = 500;

/**
 * What `store.readContext` answers, read a page at a time with the event loop's turn between pages:
 * a long history is read in the background while turns run, and one read of thousands of rows
 * (synchronous in SQLite) would stall them.
 */
async function readContextInPages(store: SessionStore, sessionId: string): Promise<SessionContext> {
  const { session, compaction } = await store.readContext(sessionId, { types: [] });
  const events: SessionEvent[] = [];
  let after = compaction?.data.throughSeq ?? 0;
  for (;;) {
    const page = await store.readEvents(sessionId, { after, limit: PAGE });
    events.push(...page.events);
    if (page.nextAfter === null) return { session, compaction, events };
    after = page.nextAfter;
    await nextMacrotask();
  }
}
