import { estimateSummaryTokens } from '../compaction/session-tokens.js';
import { estimateEventTokenCost } from '../compaction/token-estimate.js';
import type { SessionEvent } from '../model/event.js';
import type { SessionRecord } from '../model/session.js';
import type { SessionContext } from '../store/port/session-context.js';
import type { SessionStore } from '../store/port/session-store.js';
import { readConversationContext } from './conversation-context.js';
import { PROMPT_EVENT_TYPES } from './prompt.js';
import { readRuntime } from './runtime-state.js';

const PROMPT_TYPES = new Set<string>(PROMPT_EVENT_TYPES);
const GAP_PAGE = 1000;

interface Loaded {
  /** The session's head the context reflects: every event with seq ≤ this has been seen. */
  lastSeq: number;
  compaction: SessionContext['compaction'];
  /** Prompt events after the compaction, oldest first (the array the prompt is built from). */
  events: SessionEvent[];
  /** `estimates[i]`: estimated tokens of `events[0..i]`, so any suffix costs one subtraction. */
  estimates: number[];
  summaryTokens: number;
}

/**
 * A resident session's prompt material, kept in memory between its turns: the latest compaction
 * and the prompt events after it ({@link PROMPT_EVENT_TYPES}), with a running token estimate.
 *
 * `load` costs what was written since the last load, not the session's length: it compares the
 * session's `lastSeq` with the seq it has seen and reads only the gap (the turn's own writes, a
 * manual compaction, or another process's turn). A gap holding a `compaction` event, or a session
 * whose head went backwards, is reloaded whole from the store (`readContext`), which after a
 * compaction is the summary plus the kept tail; so is a gap holding a truncation that reaches
 * behind the compaction (see `readConversationContext`). The context it returns is the one `readContext`
 * with `types: PROMPT_EVENT_TYPES` would return; callers must treat its `events` as read-only.
 *
 * Not safe for concurrent loads of one session: the session's runner serialises turns, and only
 * the lease holder loads.
 */
export class ResidentContext {
  private loaded: Loaded | null = null;

  /** The session's context as of `session.lastSeq` (or later), reading only what is new. */
  async load(store: SessionStore, session: SessionRecord): Promise<SessionContext> {
    const loaded = this.loaded;
    if (!loaded || session.lastSeq < loaded.lastSeq) return this.reload(store, session);
    if (session.lastSeq > loaded.lastSeq) {
      const gap = await readGap(store, session.id, loaded.lastSeq);
      if (gap.some((event) => event.type === 'compaction' || truncatesBefore(event, loaded.compaction)))
        return this.reload(store, session);
      for (const event of gap) this.push(loaded, event);
      loaded.lastSeq = Math.max(session.lastSeq, gap.at(-1)?.seq ?? loaded.lastSeq);
    }
    return { session, compaction: loaded.compaction, events: loaded.events };
  }

  /**
   * The session's context size in tokens (what the next model call would be sent), as
   * `countContextTokens` computes it, without reading or tokenizing the history again: the
   * provider's figure of the last model call plus estimates of the prompt events after it, or the
   * whole estimate when that figure cannot describe the current context. Call after `load`.
   */
  tokens(session: SessionRecord): number {
    const loaded = this.loaded;
    if (!loaded) return 0;
    const whole = loaded.summaryTokens + (loaded.estimates.at(-1) ?? 0);
    const { lastInputTokens, lastInputTokensSeq } = readRuntime(session);
    if (lastInputTokens === null || lastInputTokensSeq === null || lastInputTokensSeq > session.lastSeq) return whole;
    if (loaded.compaction !== null && loaded.compaction.seq > lastInputTokensSeq) return whole;
    return lastInputTokens + (loaded.estimates.at(-1) ?? 0) - this.estimateThrough(loaded, lastInputTokensSeq);
  }

  /** Drops what is held: the next load reads the context whole. */
  forget(): void {
    this.loaded = null;
  }

  private async reload(store: SessionStore, session: SessionRecord): Promise<SessionContext> {
    const context = await readConversationContext(store, session.id, { types: PROMPT_EVENT_TYPES });
    const loaded: Loaded = {
      lastSeq: context.session.lastSeq,
      compaction: context.compaction,
      events: [],
      estimates: [],
      summaryTokens: estimateSummaryTokens(context.compaction?.data.summary),
    };
    for (const event of context.events) this.push(loaded, event);
    this.loaded = loaded;
    return { session, compaction: loaded.compaction, events: loaded.events };
  }

  private push(loaded: Loaded, event: SessionEvent): void {
    if (!PROMPT_TYPES.has(event.type)) return;
    loaded.events.push(event);
    loaded.estimates.push((loaded.estimates.at(-1) ?? 0) + estimateEventTokenCost(event));
  }

  /** Estimated tokens of the held events with seq ≤ `seq` (binary search: events are in seq order). */
  private estimateThrough(loaded: Loaded, seq: number): number {
    let low = 0;
    let high = loaded.events.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((loaded.events[middle] as SessionEvent).seq <= seq) low = middle + 1;
      else high = middle;
    }
    return low === 0 ? 0 : (loaded.estimates[low - 1] as number);
  }
}

/** True for a `turn-start` truncating to before `compaction`'s cut (see `readConversationContext`). */
function truncatesBefore(event: SessionEvent, compaction: SessionContext['compaction']): boolean {
  if (event.type !== 'turn-start' || compaction === null) return false;
  const rewindTo = event.data.rewindTo;
  return typeof rewindTo === 'number' && rewindTo < compaction.data.throughSeq;
}

async function readGap(store: SessionStore, sessionId: string, after: number): Promise<SessionEvent[]> {
  const events: SessionEvent[] = [];
  let cursor = after;
  for (;;) {
    const page = await store.readEvents(sessionId, { after: cursor, limit: GAP_PAGE });
    events.push(...page.events);
    if (page.nextAfter === null) return events;
    cursor = page.nextAfter;
  }
}
