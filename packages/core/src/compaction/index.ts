/**
 * Compaction (DESIGN §1.9): token counting, choosing what to summarise, writing the summary, and
 * the automatic-compaction policy.
 */

export {
  type CompactSessionOptions,
  type CompactSessionResult,
  compactSession,
  DEFAULT_MAX_SUMMARY_INPUT_TOKENS,
} from './compact-session.js';
export {
  type CompactionSettings,
  DEFAULT_KEEP_TAIL,
  DEFAULT_MAX_TOKENS,
  needsCompaction,
  resolveCompactionSettings,
} from './compaction-policy.js';
export { chooseCompactionCut, isConversationMessage } from './cut-point.js';
export { countContextTokens, estimateSummaryTokens } from './session-tokens.js';
export { COMPACTION_SYSTEM_PROMPT, MIN_SUMMARY_INPUT_TOKENS } from './summarize.js';
export {
  estimateEventTokenCost,
  estimateEventTokens,
  estimateTokens,
  MESSAGE_OVERHEAD_TOKENS,
} from './token-estimate.js';
