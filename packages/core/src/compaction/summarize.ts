import type { LanguageModelV3 } from '@ai-sdk/provider';
import { ConfabError, errors } from '../errors.js';
import { SUMMARY_PREAMBLE } from '../runner/prompt.js';
import { createYielder } from '../util/yielder.js';
import { estimateTokens, truncateToTokens } from './token-estimate.js';

/** The system prompt of every compaction call (the caller's `instructions` are appended to it). */
export const COMPACTION_SYSTEM_PROMPT = [
  'You compact the history of a conversation between a user and an AI assistant that can call tools.',
  'Write a faithful, concise summary that lets the assistant carry on as if it remembered everything that matters.',
  'Keep exactly as written: names of people, places, files, projects, identifiers and numbers.',
  'Keep: what the user asked for and told about themselves or their preferences; decisions taken and why;',
  'work done and work still open; open questions; every tool call that mattered with its outcome',
  '(result, error or denial).',
  'Leave out greetings, filler and repetition. Never invent anything that is not in the material.',
  'Write in the language of the conversation, in chronological order, as short paragraphs or bullet points,',
  'and answer with the summary only.',
].join(' ');

/** How a compaction call is made. */
export interface SummarizerSettings {
  model: LanguageModelV3;
  /** Extra guidance appended to {@link COMPACTION_SYSTEM_PROMPT}. */
  instructions?: string;
  /** The most tokens of material (summaries and transcript entries) one call is given. */
  maxInputTokens: number;
  signal?: AbortSignal;
}

/** The smallest input budget a compaction call can work with. */
export const MIN_SUMMARY_INPUT_TOKENS = 64;

// A reduce round keeps each item to half the budget, so every call (but perhaps the last) merges at
// least two items and the number of items strictly falls: the rounds always end.
const REDUCE_SHARE = 0.5;
// A separator between items costs about this much.
const SEPARATOR_TOKENS = 1;
const TRUNCATION_MARKER = ' […truncated]';

/**
 * Summarises `previousSummary` (the summary an earlier compaction wrote, if any) followed by the
 * transcript `entries` into one summary. When the material exceeds `maxInputTokens` it is split
 * into consecutive parts that are summarised one by one, and those summaries are merged (again in
 * parts while they do not fit: summaries of summaries). Calls are made one at a time, oldest
 * material first. A failing call rejects with a ConfabError `unavailable` (the abort reason when
 * `signal` aborted); an empty answer counts as a failure, so no empty summary is ever returned.
 */
export async function summarizeConversation(
  previousSummary: string | null,
  entries: readonly string[],
  settings: SummarizerSettings,
): Promise<string> {
  const budget = Math.max(MIN_SUMMARY_INPUT_TOKENS, Math.floor(settings.maxInputTokens));
  const material = [...(previousSummary ? [`${SUMMARY_PREAMBLE}\n${previousSummary}`] : []), ...entries];
  // Each item is tokenized once: its count decides both whether everything fits and how it packs.
  const costs = await itemCosts(material);
  if (costs.reduce((sum, cost) => sum + cost, 0) <= budget) {
    return callModel(settings, 'Summarize the conversation below.', material);
  }
  let parts = await summarizeParts(
    packIntoChunks(material, costs, budget),
    settings,
    'This is part {part} of {parts} of one conversation, too long to summarize at once. Summarize this part.',
  );
  for (;;) {
    if (parts.length === 1) return parts[0]!;
    const labelled = parts.map((summary, index) => `Summary of part ${index + 1} of ${parts.length}:\n${summary}`);
    const labelledCosts = await itemCosts(labelled);
    if (labelledCosts.reduce((sum, cost) => sum + cost, 0) <= budget) {
      return callModel(
        settings,
        'Below are summaries of consecutive parts of one conversation, oldest first. Merge them into one summary of the whole conversation.',
        labelled,
      );
    }
    const chunks = packIntoChunks(
      labelled,
      labelledCosts,
      budget,
      Math.floor(budget * REDUCE_SHARE) - SEPARATOR_TOKENS,
    );
    if (chunks.length >= parts.length) {
      throw new ConfabError('internal', 'compaction could not reduce the partial summaries any further');
    }
    parts = await summarizeParts(
      chunks,
      settings,
      'Below are summaries of consecutive parts of one conversation (group {part} of {parts}), oldest first. Merge them into one summary.',
    );
  }
}

async function summarizeParts(chunks: string[][], settings: SummarizerSettings, task: string): Promise<string[]> {
  const summaries: string[] = [];
  for (const [index, chunk] of chunks.entries()) {
    const request = task.replace('{part}', String(index + 1)).replace('{parts}', String(chunks.length));
    summaries.push(await callModel(settings, request, chunk));
  }
  return summaries;
}

function itemTokens(item: string): number {
  return estimateTokens(item) + SEPARATOR_TOKENS;
}

/**
 * The token cost of every item. A long history is tens of thousands of items: the work yields to
 * the event loop every few milliseconds, so turns of other sessions (and of this one, when the
 * compaction runs in the background) are not held up behind it.
 */
async function itemCosts(items: readonly string[]): Promise<number[]> {
  const costs: number[] = [];
  const yielder = createYielder();
  for (const item of items) {
    costs.push(itemTokens(item));
    await yielder.maybeYield();
  }
  return costs;
}

/**
 * Consecutive items grouped greedily into chunks of at most `budget` tokens, each item first cut to
 * `itemLimit` tokens so that a single huge item (a giant tool output) still fits in one call.
 */
function packIntoChunks(
  items: readonly string[],
  costs: readonly number[],
  budget: number,
  itemLimit = budget - SEPARATOR_TOKENS,
): string[][] {
  const chunks: string[][] = [];
  let current: string[] = [];
  let used = 0;
  for (const [index, original] of items.entries()) {
    const known = costs[index] as number;
    // Only an item over the limit is cut, and only then counted again.
    const item = known - SEPARATOR_TOKENS <= itemLimit ? original : fitToTokens(original, itemLimit);
    const cost = item === original ? known : itemTokens(item);
    if (current.length > 0 && used + cost > budget) {
      chunks.push(current);
      current = [];
      used = 0;
    }
    current.push(item);
    used += cost;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** `text`, or its beginning plus a truncation marker, in at most `limit` tokens. */
function fitToTokens(text: string, limit: number): string {
  if (estimateTokens(text) <= limit) return text;
  // Joining the cut text and the marker can merge tokens either way, so shrink until it fits.
  let keep = limit - estimateTokens(TRUNCATION_MARKER);
  for (;;) {
    const fitted = `${truncateToTokens(text, keep)}${TRUNCATION_MARKER}`;
    if (keep <= 0 || estimateTokens(fitted) <= limit) return fitted;
    keep -= 1;
  }
}

async function callModel(settings: SummarizerSettings, request: string, material: readonly string[]): Promise<string> {
  const system = settings.instructions
    ? `${COMPACTION_SYSTEM_PROMPT}\n\nAdditional instructions:\n${settings.instructions}`
    : COMPACTION_SYSTEM_PROMPT;
  const text = `${request}\n\n${material.join('\n\n')}`;
  let summary: string;
  try {
    const result = await settings.model.doGenerate({
      prompt: [
        { role: 'system', content: system },
        { role: 'user', content: [{ type: 'text', text }] },
      ],
      abortSignal: settings.signal,
    });
    summary = result.content
      .flatMap((part) => (part.type === 'text' ? [part.text] : []))
      .join('')
      .trim();
  } catch (error) {
    if (settings.signal?.aborted) throw settings.signal.reason ?? error;
    if (ConfabError.isInstance(error, 'unavailable')) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw errors.unavailable(`the compaction model failed: ${message}`, { cause: error });
  }
  if (!summary) throw errors.unavailable('the compaction model returned an empty summary');
  return summary;
}
