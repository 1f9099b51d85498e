import type { FinishReason, UIMessageChunk } from 'ai';
import type { StopReason, StreamEvent } from 'confab';

/** Options of {@link TurnChunks}. */
export interface TurnChunksOptions {
  /**
   * The assistant message id to announce in `start` right away (a continuation after approvals or
   * tool outputs, whose `turn-start` is not in the stream). Without it, `start` waits for the
   * turn's `turn-start` and takes the id recorded there.
   */
  messageId?: string;
  /**
   * A replay of a turn that was interrupted before: a `turn-end` with a seq up to this one ended an
   * earlier segment of the same turn and ends nothing here.
   */
  segmentEndsThroughSeq?: number;
}

/** The AI SDK finish reason of a Confab stop reason. */
export function finishReasonOf(stopReason: StopReason): FinishReason {
  switch (stopReason) {
    case 'stop':
      return 'stop';
    case 'length':
      return 'length';
    case 'interrupted':
      return 'tool-calls';
    case 'error':
      return 'error';
    default:
      // A stop or a timeout: the partial answer is kept, but it is no model's finish.
      return 'other';
  }
}

/**
 * The UI message id of a turn's assistant message: the one recorded in its `turn-start`, or, for a
 * turn started outside the chat endpoints, one derived from the turn-start's seq (stable as well).
 */
export function assistantMessageIdOf(turnStart: { seq: number; data: { assistantMessageId?: string } }): string {
  return turnStart.data.assistantMessageId ?? `msg_turn${turnStart.seq}`;
}

interface PartState {
  /** Characters of the part's text already sent as deltas. */
  sent: number;
  done: boolean;
}

/**
 * Turns one turn's Confab events (persisted events and live deltas, in stream order) into AI SDK
 * UI message chunks: `start` (the assistant message id), steps, text and reasoning parts, tool
 * input, approval requests, outputs and denials, errors and `finish`. Text is never lost or sent
 * twice: deltas are sent as they come, and a persisted `message` adds whatever of its text the
 * deltas did not carry (a reader on another process sees no deltas at all) before ending the part.
 * A tool's input streams as `tool-input-start` and `tool-input-delta`s while the model writes it,
 * when the runner's live `tool-input-delta`s name the tool (it adds `toolName` whenever the provider
 * announced the call); the `tool-call` then adds `tool-input-available`. A reader that saw no such
 * delta (a replay from the log, another process) gets the whole input as one delta with the
 * `tool-call`: the same tool part either way, and no chunk twice.
 */
export class TurnChunks {
  private started = false;
  private ended = false;
  private stepOpen = false;
  /** The open step has tool results: the model's next output belongs to a new step. */
  private stepHasResults = false;
  private readonly parts = new Map<string, PartState>();
  private readonly denied = new Set<string>();
  /** Tool calls whose `tool-input-start` was sent from live deltas. */
  private readonly streamedInputs = new Set<string>();

  constructor(private readonly options: TurnChunksOptions = {}) {}

  /** True once the turn's final `finish` was produced. */
  get finished(): boolean {
    return this.ended;
  }

  /** `start` for a continuation whose id is known up front; nothing otherwise. */
  begin(): UIMessageChunk[] {
    if (this.started || this.options.messageId === undefined) return [];
    this.started = true;
    return [{ type: 'start', messageId: this.options.messageId }];
  }

  /**
   * The chunks of one event (often none). Nothing after the final `finish`, nor before the turn's
   * `start`: a new turn's events begin with the error results that close the calls an interrupted
   * turn still waited on, which belong to that earlier turn's message (found by the fuzzer).
   */
  push(event: StreamEvent): UIMessageChunk[] {
    if (this.ended || (!this.started && event.type !== 'turn-start')) return [];
    const out: UIMessageChunk[] = [];
    switch (event.type) {
      case 'turn-start':
        if (!this.started) {
          this.started = true;
          out.push({ type: 'start', messageId: this.options.messageId ?? assistantMessageIdOf(event) });
        }
        break;
      case 'text-delta':
        this.delta(out, 'text', event.data.messageId, event.data.delta);
        break;
      case 'reasoning-delta':
        this.delta(out, 'reasoning', reasoningIdOf(event.data.messageId), event.data.delta);
        break;
      case 'message': {
        if (event.data.role !== 'assistant') break;
        const { messageId, text, reasoning } = event.data;
        if (reasoning) this.complete(out, 'reasoning', reasoningIdOf(messageId), reasoning);
        if (text || this.parts.has(messageId)) this.complete(out, 'text', messageId, text);
        break;
      }
      case 'tool-input-delta':
        this.toolInputDelta(out, event.data);
        break;
      case 'tool-call': {
        const { toolCallId, toolName, input } = event.data;
        if (!this.streamedInputs.has(toolCallId)) {
          this.openStep(out);
          out.push({ type: 'tool-input-start', toolCallId, toolName });
          out.push({ type: 'tool-input-delta', toolCallId, inputTextDelta: JSON.stringify(input) });
        }
        out.push({ type: 'tool-input-available', toolCallId, toolName, input });
        break;
      }
      case 'tool-approval-request':
        // The approval's id is the call's: a client's answer names the call it approves.
        out.push({
          type: 'tool-approval-request',
          approvalId: event.data.toolCallId,
          toolCallId: event.data.toolCallId,
        });
        break;
      case 'tool-approval':
        if (!event.data.approved) {
          this.denied.add(event.data.toolCallId);
          out.push({ type: 'tool-output-denied', toolCallId: event.data.toolCallId });
        }
        break;
      case 'tool-result': {
        // A denied call's recorded error result is the denial already sent.
        if (this.denied.has(event.data.toolCallId)) break;
        const { toolCallId, output, isError } = event.data;
        if (isError) out.push({ type: 'tool-output-error', toolCallId, errorText: errorTextOf(output) });
        else out.push({ type: 'tool-output-available', toolCallId, output });
        if (this.stepOpen) this.stepHasResults = true;
        break;
      }
      case 'error':
        out.push({ type: 'error', errorText: event.data.message });
        break;
      case 'turn-end': {
        this.closeParts(out);
        this.closeStep(out);
        const earlierSegment =
          this.options.segmentEndsThroughSeq !== undefined && event.seq <= this.options.segmentEndsThroughSeq;
        if (earlierSegment) break;
        this.ended = true;
        out.push({ type: 'finish', finishReason: finishReasonOf(event.data.stopReason) });
        break;
      }
      default:
        break;
    }
    return out;
  }

  /**
   * Closes what is open and ends the message, for a stream whose events stopped before the turn's
   * end (e.g. a turn that failed to run): `errorText` adds an `error` chunk first.
   */
  abort(errorText?: string): UIMessageChunk[] {
    if (this.ended) return [];
    const out: UIMessageChunk[] = [];
    this.closeParts(out);
    this.closeStep(out);
    if (errorText !== undefined) out.push({ type: 'error', errorText });
    this.ended = true;
    out.push({ type: 'finish', finishReason: errorText === undefined ? 'other' : 'error' });
    return out;
  }

  /**
   * A live delta of a tool call's input: `tool-input-start` on the first one that names the tool,
   * then the delta. Deltas that name no tool (and any after them) are left to the `tool-call`.
   */
  private toolInputDelta(out: UIMessageChunk[], data: { toolCallId: string; delta: string; toolName?: string }): void {
    const { toolCallId, delta, toolName } = data;
    if (!this.streamedInputs.has(toolCallId)) {
      if (toolName === undefined) return;
      this.openStep(out);
      this.streamedInputs.add(toolCallId);
      out.push({ type: 'tool-input-start', toolCallId, toolName });
    }
    if (delta) out.push({ type: 'tool-input-delta', toolCallId, inputTextDelta: delta });
  }

  private openStep(out: UIMessageChunk[]): void {
    if (this.stepOpen && !this.stepHasResults) return;
    if (this.stepOpen) out.push({ type: 'finish-step' });
    out.push({ type: 'start-step' });
    this.stepOpen = true;
    this.stepHasResults = false;
  }

  private closeStep(out: UIMessageChunk[]): void {
    if (!this.stepOpen) return;
    out.push({ type: 'finish-step' });
    this.stepOpen = false;
    this.stepHasResults = false;
  }

  private delta(out: UIMessageChunk[], kind: 'text' | 'reasoning', id: string, delta: string): void {
    if (!delta) return;
    let part = this.parts.get(id);
    if (part?.done) return;
    if (!part) {
      this.openStep(out);
      part = { sent: 0, done: false };
      this.parts.set(id, part);
      out.push({ type: `${kind}-start`, id });
    }
    out.push({ type: `${kind}-delta`, id, delta });
    part.sent += delta.length;
  }

  /** Sends what of `text` the deltas did not carry, then ends the part. */
  private complete(out: UIMessageChunk[], kind: 'text' | 'reasoning', id: string, text: string): void {
    let part = this.parts.get(id);
    if (part?.done) return;
    if (!part) {
      this.openStep(out);
      part = { sent: 0, done: false };
      this.parts.set(id, part);
      out.push({ type: `${kind}-start`, id });
    }
    const rest = text.slice(part.sent);
    if (rest) out.push({ type: `${kind}-delta`, id, delta: rest });
    part.sent = text.length;
    part.done = true;
    out.push({ type: `${kind}-end`, id });
  }

  private closeParts(out: UIMessageChunk[]): void {
    for (const [id, part] of this.parts) {
      if (part.done) continue;
      part.done = true;
      out.push({ type: id.endsWith(REASONING_SUFFIX) ? 'reasoning-end' : 'text-end', id });
    }
  }
}

const REASONING_SUFFIX = ':reasoning';

function reasoningIdOf(messageId: string): string {
  return `${messageId}${REASONING_SUFFIX}`;
}

/** A tool error's text: its `error` string when it has one, else the output as JSON. */
export function errorTextOf(output: unknown): string {
  if (output && typeof output === 'object' && typeof (output as { error?: unknown }).error === 'string') {
    return (output as { error: string }).error;
  }
  return typeof output === 'string' ? output : JSON.stringify(output);
}
