import type {
  LanguageModelV3Content,
  LanguageModelV3FinishReason,
  LanguageModelV3GenerateResult,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';

/** Produces the parts of one model call; it must stop (throw) once `signal` is aborted. */
export type PartProducer = (signal: AbortSignal) => AsyncGenerator<LanguageModelV3StreamPart, void, undefined>;

/** Pacing for text and tool-input deltas. */
export interface DeltaPacing {
  /** Characters (code points) per delta. */
  chunkSize: number;
  /** Wait between two deltas, so tests can stop a stream half-way. */
  delayMs: number;
  signal: AbortSignal;
}

/** What a provider reports on abort: the signal's reason, or a DOMException when it has none. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/** Resolves after `ms`, or rejects with the abort reason as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Splits `text` into chunks of `size` code points (never inside a surrogate pair). Text longer
 * than one character always gives at least two chunks, so consumers are exercised on real
 * incremental streaming even with a large chunk size.
 */
export function chunkText(text: string, size: number): string[] {
  const characters = Array.from(text);
  if (characters.length === 0) return [];
  const effective = characters.length > 1 ? Math.min(size, Math.ceil(characters.length / 2)) : 1;
  const chunks: string[] = [];
  for (let start = 0; start < characters.length; start += effective) {
    chunks.push(characters.slice(start, start + effective).join(''));
  }
  return chunks;
}

/** A usage with the given totals; cache and reasoning counts are zero so every field is defined. */
export function usageOf(inputTokens: number, outputTokens: number): LanguageModelV3Usage {
  return {
    inputTokens: { total: inputTokens, noCache: inputTokens, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: outputTokens, text: outputTokens, reasoning: 0 },
  };
}

/** The usage of a provider that reported none: every count undefined. */
export function unknownUsage(): LanguageModelV3Usage {
  return {
    inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: undefined, text: undefined, reasoning: undefined },
  };
}

const RAW_FINISH_REASONS: Record<LanguageModelV3FinishReason['unified'], string> = {
  stop: 'stop',
  length: 'length',
  'content-filter': 'content_filter',
  'tool-calls': 'tool_calls',
  error: 'error',
  other: 'other',
};

/** A finish reason with the raw value an OpenAI-style provider would send alongside it. */
export function finishReasonOf(unified: LanguageModelV3FinishReason['unified']): LanguageModelV3FinishReason {
  return { unified, raw: RAW_FINISH_REASONS[unified] };
}

/**
 * A text or reasoning block: start, the chunked deltas, end. `delayMs` is waited between two
 * deltas and the abort reason thrown before each once the signal has aborted; lazy, so a reader
 * that stops early never waits for the rest.
 */
export async function* textBlockParts(
  kind: 'text' | 'reasoning',
  id: string,
  text: string,
  pacing: DeltaPacing,
): AsyncGenerator<LanguageModelV3StreamPart, void, undefined> {
  yield kind === 'text' ? { type: 'text-start', id } : { type: 'reasoning-start', id };
  // Paced inline rather than through a generator of chunks: each level of async generator costs
  // every part several promise hops.
  for (const [index, delta] of chunkText(text, pacing.chunkSize).entries()) {
    if (index > 0 && pacing.delayMs > 0) await sleep(pacing.delayMs, pacing.signal);
    pacing.signal.throwIfAborted();
    yield kind === 'text' ? { type: 'text-delta', id, delta } : { type: 'reasoning-delta', id, delta };
  }
  pacing.signal.throwIfAborted();
  yield kind === 'text' ? { type: 'text-end', id } : { type: 'reasoning-end', id };
}

/** A tool call as providers stream it: the input JSON as deltas, then the complete call. */
export async function* toolCallParts(
  toolCallId: string,
  toolName: string,
  input: string,
  pacing: DeltaPacing,
): AsyncGenerator<LanguageModelV3StreamPart, void, undefined> {
  yield { type: 'tool-input-start', id: toolCallId, toolName };
  for (const [index, delta] of chunkText(input, pacing.chunkSize).entries()) {
    if (index > 0 && pacing.delayMs > 0) await sleep(pacing.delayMs, pacing.signal);
    pacing.signal.throwIfAborted();
    yield { type: 'tool-input-delta', id: toolCallId, delta };
  }
  pacing.signal.throwIfAborted();
  yield { type: 'tool-input-end', id: toolCallId };
  yield { type: 'tool-call', toolCallId, toolName, input };
}

/**
 * A ReadableStream over the parts `produce` yields, pulled lazily. Aborting `callerSignal` errors
 * the stream at once with the abort reason (as a fetch-based provider does) and stops the
 * producer, even in the middle of a wait; cancelling the stream stops the producer too, so no
 * timer outlives its reader.
 */
export function streamParts(
  produce: PartProducer,
  callerSignal: AbortSignal | undefined,
): ReadableStream<LanguageModelV3StreamPart> {
  const stopper = new AbortController();
  const parts = produce(stopper.signal);
  let onCallerAbort: (() => void) | undefined;
  const release = () => {
    if (onCallerAbort) callerSignal?.removeEventListener('abort', onCallerAbort);
  };
  const stop = (reason: unknown) => {
    release();
    stopper.abort(reason);
    // The producer may be suspended at a yield and never resumed: run its cleanup.
    parts.return(undefined).catch(() => {});
  };
  return new ReadableStream<LanguageModelV3StreamPart>({
    start(controller) {
      if (!callerSignal) return;
      onCallerAbort = () => {
        const reason = abortReason(callerSignal);
        stop(reason);
        controller.error(reason);
      };
      callerSignal.addEventListener('abort', onCallerAbort, { once: true });
    },
    async pull(controller) {
      try {
        const next = await parts.next();
        if (stopper.signal.aborted) return;
        if (next.done) {
          release();
          controller.close();
        } else {
          controller.enqueue(next.value);
        }
      } catch (error) {
        if (stopper.signal.aborted) return;
        release();
        controller.error(error);
      }
    },
    cancel(reason) {
      stop(reason);
    },
  });
}

/**
 * Runs a producer to the end and folds its parts into a generate result, so `doGenerate` returns
 * exactly what `doStream` would have streamed. A stream `error` part makes the call fail, since a
 * non-streamed response cannot carry an error next to content.
 */
export async function generateFromParts(
  produce: PartProducer,
  signal: AbortSignal | undefined,
): Promise<LanguageModelV3GenerateResult> {
  const content: LanguageModelV3Content[] = [];
  const openBlocks = new Map<string, { type: 'text' | 'reasoning'; text: string }>();
  let finishReason = finishReasonOf('other');
  let usage = unknownUsage();
  for await (const part of produce(signal ?? new AbortController().signal)) {
    switch (part.type) {
      case 'text-start':
      case 'reasoning-start': {
        const block = { type: part.type === 'text-start' ? ('text' as const) : ('reasoning' as const), text: '' };
        openBlocks.set(`${block.type}:${part.id}`, block);
        content.push(block);
        break;
      }
      case 'text-delta':
      case 'reasoning-delta': {
        const block = openBlocks.get(`${part.type === 'text-delta' ? 'text' : 'reasoning'}:${part.id}`);
        if (block) block.text += part.delta;
        break;
      }
      case 'tool-call':
        content.push(part);
        break;
      case 'error':
        throw part.error;
      case 'finish':
        finishReason = part.finishReason;
        usage = part.usage;
        break;
    }
  }
  return { content, finishReason, usage, warnings: [] };
}
