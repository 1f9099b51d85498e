import { errors } from '../errors.js';
import type { SessionContext } from '../store/port/session-store.js';
import { chooseCompactionCut } from './cut-point.js';
import { countContextTokens } from './session-tokens.js';

/** The context size past which a session is compacted automatically when no `maxTokens` is set. */
export const DEFAULT_MAX_TOKENS = 80_000;
/** How many conversation messages a compaction keeps verbatim when no `keepTail` is set. */
export const DEFAULT_KEEP_TAIL = 20;

/** Compaction settings after defaults: `maxTokens` null means automatic compaction is off. */
export interface CompactionSettings {
  maxTokens: number | null;
  keepTail: number;
}

/**
 * Applies the contract's defaults (DESIGN §1.9): `maxTokens` undefined or 0 → 80,000; negative →
 * null (no automatic compaction; manual compaction still works); `keepTail` undefined → 20.
 * A `maxTokens` that is not a finite number, or a `keepTail` that is not an integer ≥ 1, fails with
 * `invalid_argument`.
 */
export function resolveCompactionSettings(options: { maxTokens?: number; keepTail?: number } = {}): CompactionSettings {
  const { maxTokens, keepTail = DEFAULT_KEEP_TAIL } = options;
  if (maxTokens !== undefined && !Number.isFinite(maxTokens)) {
    throw errors.invalidArgument(`maxTokens must be a finite number, got ${maxTokens}`);
  }
  if (!Number.isInteger(keepTail) || keepTail < 1) {
    throw errors.invalidArgument(`keepTail must be an integer ≥ 1, got ${keepTail}`);
  }
  if (maxTokens === undefined || maxTokens === 0) return { maxTokens: DEFAULT_MAX_TOKENS, keepTail };
  return { maxTokens: maxTokens < 0 ? null : maxTokens, keepTail };
}

/**
 * Whether automatic compaction should run now: never when it is disabled; otherwise when the
 * context's token count ({@link countContextTokens}) exceeds `maxTokens` and a cut exists that
 * keeps `keepTail` messages (compacting anyway would call the model for nothing).
 */
export function needsCompaction(context: SessionContext, settings: CompactionSettings): boolean {
  if (settings.maxTokens === null) return false;
  if (countContextTokens(context) <= settings.maxTokens) return false;
  return chooseCompactionCut(context.events, settings.keepTail) !== null;
}
