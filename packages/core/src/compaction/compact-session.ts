import type { LanguageModelV3 } from '@ai-sdk/provider';
import { errors } from '../errors.js';
import type { SessionEvent, SessionEventOf } from '../model/event.js';
import type { Lease } from '../model/records.js';
import { readConversationContext } from '../runner/conversation-context.js';
import { visibleEvents } from '../runner/prompt.js';
import type { SessionContext } from '../store/port/session-context.js';
import type { SessionStore } from '../store/port/session-store.js';
import { nextMacrotask } from '../util/yielder.js';
import { DEFAULT_KEEP_TAIL } from './compaction-policy.js';
import { chooseCompactionCut } from './cut-point.js';
import { MIN_SUMMARY_INPUT_TOKENS, summarizeConversation } from './summarize.js';
import { transcriptEntries } from './transcript.js';

/** The default input budget of one compaction call, in tokens of conversation material. */
export const DEFAULT_MAX_SUMMARY_INPUT_TOKENS = 24_000;

/** Options of {@link compactSession}. */
export interface CompactSessionOptions {
  store: SessionStore;
  sessionId: string;
  /** The writer's lease; omit it only when nobody holds one (the store rejects the append otherwise). */
  lease?: Lease | null;
  /** The (usually cheaper) model that writes the summary. */
  model: LanguageModelV3;
  /** Conversation messages kept verbatim after the summary; integer ≥ 1, default 20. */
  keepTail?: number;
  /** Turn index of the `compaction` event; default the session's `turnCount` (the latest turn). */
  turn?: number;
  /** Most tokens of material per compaction call before it is split into parts; default 24,000, min 64. */
  maxSummaryInputTokens?: number;
  signal?: AbortSignal;
  /** Extra guidance for the summary, appended to the compaction system prompt. */
  instructions?: string;
}

/** What {@link compactSession} did. */
export interface CompactSessionResult {
  /** False when there was nothing to compact (then every other field is null or absent). */
  compacted: boolean;
  summary: string | null;
  /** Every event with seq ≤ this is now covered by `summary`. */
  throughSeq: number | null;
  /** The `compaction` event written. */
  event?: SessionEventOf<'compaction'>;
}

/**
 * Compacts a session: reads its context (latest summary plus the events after it), chooses the cut
 * with {@link chooseCompactionCut}, asks `model` to summarise the previous summary plus the events up
 * to the cut (in parts, then summaries of summaries, when that exceeds `maxSummaryInputTokens`),
 * and appends ONE `compaction` event `{ summary, throughSeq }` under `lease`. From then on
 * `readContext` starts at that summary.
 *
 * Returns `compacted: false` without calling the model when no cut exists. Nothing is written
 * unless the summary was produced: a failing or empty model answer rejects with `unavailable`
 * (cause attached), an aborted `signal` with its reason, and the history stays intact. Bad options
 * → `invalid_argument`; a closed session → `session_closed`; a lost lease → `conflict` (from the store).
 */
export async function compactSession(options: CompactSessionOptions): Promise<CompactSessionResult> {
  const { store, sessionId, signal } = options;
  signal?.throwIfAborted();
  // A truncation behind the latest summary rebuilds the base: superseded events are summarised never.
  const context = await readConversationContext(store, sessionId);
  if (context.session.status === 'closed') throw errors.sessionClosed(sessionId);
  const prepared = await prepareCompaction(context, options);
  if (prepared === null) return { compacted: false, summary: null, throughSeq: null };
  // The model call may have outlived an abort it did not notice: a stopped compaction writes nothing.
  signal?.throwIfAborted();
  const { events } = await store.appendEvents({
    sessionId,
    lease: options.lease ?? null,
    events: [{ type: 'compaction', turn: options.turn ?? context.session.turnCount, data: prepared }],
  });
  const event = events[0] as SessionEventOf<'compaction'>;
  return { compacted: true, summary: prepared.summary, throughSeq: prepared.throughSeq, event };
}

/** A summary ready to be written as a `compaction` event: the data of that event. */
export interface PreparedCompaction {
  summary: string;
  /** Every event with seq ≤ this is covered by `summary`. */
  throughSeq: number;
}

/**
 * The work of {@link compactSession} without its read and its write: chooses the cut in `context`
 * (a session's latest summary and the events after it, every type) and has `model` summarise the
 * previous summary plus the events up to the cut. Null when no cut exists. It needs no lease: the
 * cut never splits a tool call from its result, also one still running, so a summary prepared
 * while a turn runs stays true as long as no other compaction is written before it.
 */
export async function prepareCompaction(
  context: SessionContext,
  options: Pick<CompactSessionOptions, 'model' | 'keepTail' | 'maxSummaryInputTokens' | 'signal' | 'instructions'>,
): Promise<PreparedCompaction | null> {
  const keepTail = options.keepTail ?? DEFAULT_KEEP_TAIL;
  const maxInputTokens = options.maxSummaryInputTokens ?? DEFAULT_MAX_SUMMARY_INPUT_TOKENS;
  if (!Number.isInteger(maxInputTokens) || maxInputTokens < MIN_SUMMARY_INPUT_TOKENS) {
    throw errors.invalidArgument(
      `maxSummaryInputTokens must be an integer ≥ ${MIN_SUMMARY_INPUT_TOKENS}, got ${maxInputTokens}`,
    );
  }
  const throughSeq = chooseCompactionCut(context.events, keepTail);
  if (throughSeq === null) return null;
  // Superseded events (a regenerate or an edit truncated them) are no part of the conversation.
  const visible = new Set(visibleEvents(context.events));
  const summarised = context.events.filter((event) => event.seq <= throughSeq && visible.has(event));
  const summary = await summarizeConversation(context.compaction?.data.summary ?? null, await transcript(summarised), {
    model: options.model,
    instructions: options.instructions,
    maxInputTokens,
    signal: options.signal,
  });
  return { summary, throughSeq };
}

const TRANSCRIPT_SLICE = 500;

/** {@link transcriptEntries} a slice at a time, giving the event loop its turn between slices. */
async function transcript(events: readonly SessionEvent[]): Promise<string[]> {
  const entries: string[] = [];
  for (let start = 0; start < events.length; start += TRANSCRIPT_SLICE) {
    if (start > 0) await nextMacrotask();
    const previousTurn = start > 0 ? (events[start - 1] as SessionEvent).turn : null;
    entries.push(...transcriptEntries(events.slice(start, start + TRANSCRIPT_SLICE), previousTurn));
  }
  return entries;
}
