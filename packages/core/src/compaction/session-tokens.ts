import { SUMMARY_PREAMBLE } from '../runner/prompt.js';
import { readRuntime } from '../runner/runtime-state.js';
import type { SessionContext } from '../store/port/session-store.js';
import { estimateEventTokens, estimateTokens, MESSAGE_OVERHEAD_TOKENS } from './token-estimate.js';

/**
 * The estimated tokens of a compaction summary as `buildPrompt` presents it (a system message
 * starting with {@link SUMMARY_PREAMBLE}); 0 without a summary.
 */
export function estimateSummaryTokens(summary: string | null | undefined): number {
  if (!summary) return 0;
  return estimateTokens(`${SUMMARY_PREAMBLE}\n${summary}`) + MESSAGE_OVERHEAD_TOKENS;
}

/**
 * The session's current context size in tokens: what the next model call would be sent.
 *
 * When the runner recorded the provider's input-token count of the last model call
 * (`runtime.lastInputTokens`, covering events up to `runtime.lastInputTokensSeq`), that exact
 * figure is used plus a tokenizer estimate of the context events written since. The figure is
 * ignored, and the whole context estimated (summary plus every context event), when it cannot
 * describe the current context: a compaction was written after it (the prompt has shrunk since),
 * or it points past the session's head (a fork or a restored snapshot inherited it).
 */
export function countContextTokens(context: SessionContext): number {
  const { lastInputTokens, lastInputTokensSeq } = readRuntime(context.session);
  const providerFigureHolds =
    lastInputTokens !== null &&
    lastInputTokensSeq !== null &&
    lastInputTokensSeq <= context.session.lastSeq &&
    (context.compaction === null || context.compaction.seq <= lastInputTokensSeq);
  if (providerFigureHolds) {
    return lastInputTokens + estimateEventTokens(context.events.filter((event) => event.seq > lastInputTokensSeq));
  }
  return estimateSummaryTokens(context.compaction?.data.summary) + estimateEventTokens(context.events);
}
