import type { JsonPatchOperation, StopReason, Usage } from '../model/event.js';
import type { JsonObject, JsonValue } from '../model/json.js';
import type { SessionRecord } from '../model/session.js';
import type { SessionContext } from '../store/port/session-store.js';

/** One user input of a turn. */
export interface TurnInput {
  inputId: string;
  text: string;
  files: string[];
}

/** How a flow's turn ended; the runner fills in what is omitted (`stop`, no usage). */
export interface TurnOutcome {
  stopReason?: StopReason;
  usage?: Usage | null;
}

/** What custom turn logic (`defineFlow`) receives. Every helper persists before it resolves. */
export interface TurnContext {
  readonly sessionId: string;
  /** The turn's index, from 1. */
  readonly turn: number;
  readonly inputs: TurnInput[];
  /** The inputs' texts joined with "\n". */
  readonly text: string;
  /** The session as the turn started. */
  readonly session: SessionRecord;
  /** Aborted on stop or turn timeout. */
  readonly signal: AbortSignal;
  /** Streams `text` as one delta and persists it as an assistant message. */
  say(text: string, options?: { reasoning?: string }): Promise<void>;
  /** Streams each chunk as a delta, then persists the joined text as one message; returns it. */
  streamText(chunks: AsyncIterable<string> | Iterable<string>): Promise<string>;
  /** Applies an RFC 6902 patch to the session state (recorded as `state-patch`); returns the new state. */
  patchState(patch: JsonPatchOperation[]): Promise<JsonObject>;
  /** Replaces the artifact `name` (recorded as `artifact`). */
  setArtifact(name: string, value: JsonValue): Promise<void>;
  /** The latest summary and the events after it, this turn's included. */
  history(): Promise<SessionContext>;
}
