import type { JsonObject } from '../model/json.js';
import type { SessionRecord } from '../model/session.js';
import type { PendingCall } from './agent-loop.js';

/** The turn a session is in, as the runner records it in `session.runtime.turn`. */
export interface ActiveTurn {
  index: number;
  /** `running`: a process is (or was, if it died) executing it; `interrupted`: it waits on `pending`. */
  phase: 'running' | 'interrupted';
  inputIds: string[];
  /** Seq of the turn's `turn-start`. */
  startSeq: number;
  /** The model name the turn reports. */
  model: string;
  /** True when the model is the logic's own (not a name chosen for the turn or session). */
  modelFromLogic: boolean;
  pending: PendingCall[];
}

/** The runner's view of `session.runtime`. */
export interface RuntimeState {
  turn: ActiveTurn | null;
  /** Tools approved with scope `session`. */
  approvedTools: string[];
  /** Input tokens the provider reported for the last model call, for compaction estimates. */
  lastInputTokens: number | null;
  /** Seq of the last event covered by `lastInputTokens`. */
  lastInputTokensSeq: number | null;
}

/** Reads the runner's state from a session record (tolerating records written before a field existed). */
export function readRuntime(session: SessionRecord): RuntimeState {
  const runtime = session.runtime as Partial<RuntimeState> & JsonObject;
  return {
    turn: (runtime.turn as ActiveTurn | null | undefined) ?? null,
    approvedTools: (runtime.approvedTools as string[] | undefined) ?? [],
    lastInputTokens: (runtime.lastInputTokens as number | null | undefined) ?? null,
    lastInputTokensSeq: (runtime.lastInputTokensSeq as number | null | undefined) ?? null,
  };
}

/** The session's runtime with `changes` applied, ready for a `runtime` patch. */
export function withRuntime(session: SessionRecord, changes: Partial<RuntimeState>): JsonObject {
  return { ...session.runtime, ...(changes as unknown as JsonObject) };
}
