import type { LanguageModelV3, LanguageModelV3StreamPart } from '@ai-sdk/provider';

/** One streaming call of a {@link GatedModel}: the test decides what it streams, and when. */
export interface GatedCall {
  /** Streams a text delta now (the text part opens on the first). */
  text(delta: string): void;
  /**
   * Streams a delta of a tool call's input now, as providers do while the model writes it
   * (`tool-input-start` with the tool's name before the call's first delta).
   */
  toolInput(toolCallId: string, toolName: string, delta: string): void;
  /** Calls a tool and ends the call (`finish` with `tool-calls`). */
  callTool(toolCallId: string, toolName: string, input: unknown): void;
  /** Ends the text and the call (`finish`). */
  finish(): void;
  /** True once the caller cancelled the stream (a stop). */
  readonly cancelled: boolean;
}

/** A model whose every answer the test streams by hand, so a turn can be caught mid-answer without timing. */
export interface GatedModel {
  model: LanguageModelV3;
  /** The next call, once the model was called. */
  nextCall(): Promise<GatedCall>;
}

/** Creates a {@link GatedModel}. */
export function createGatedModel(): GatedModel {
  const calls: GatedCall[] = [];
  const waiting: Array<(call: GatedCall) => void> = [];
  const usage = {
    inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: 1, text: 1, reasoning: 0 },
  };
  const model: LanguageModelV3 = {
    specificationVersion: 'v3',
    provider: 'test',
    modelId: 'gated',
    supportedUrls: {},
    doGenerate: () => Promise.reject(new Error('the gated model only streams')),
    doStream: async () => {
      let controller!: ReadableStreamDefaultController<LanguageModelV3StreamPart>;
      let opened = false;
      let cancelled = false;
      const announced = new Set<string>();
      const stream = new ReadableStream<LanguageModelV3StreamPart>({
        start(streamController) {
          controller = streamController;
          controller.enqueue({ type: 'stream-start', warnings: [] });
        },
        cancel() {
          cancelled = true;
        },
      });
      const call: GatedCall = {
        text(delta) {
          if (cancelled) return;
          if (!opened) controller.enqueue({ type: 'text-start', id: 't' });
          opened = true;
          controller.enqueue({ type: 'text-delta', id: 't', delta });
        },
        toolInput(toolCallId, toolName, delta) {
          if (cancelled) return;
          if (!announced.has(toolCallId)) controller.enqueue({ type: 'tool-input-start', id: toolCallId, toolName });
          announced.add(toolCallId);
          controller.enqueue({ type: 'tool-input-delta', id: toolCallId, delta });
        },
        callTool(toolCallId, toolName, input) {
          if (cancelled) return;
          if (announced.has(toolCallId)) controller.enqueue({ type: 'tool-input-end', id: toolCallId });
          controller.enqueue({ type: 'tool-call', toolCallId, toolName, input: JSON.stringify(input) });
          controller.enqueue({ type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_calls' }, usage });
          controller.close();
        },
        finish() {
          if (cancelled) return;
          if (opened) controller.enqueue({ type: 'text-end', id: 't' });
          controller.enqueue({ type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage });
          controller.close();
        },
        get cancelled() {
          return cancelled;
        },
      };
      const waiter = waiting.shift();
      if (waiter) waiter(call);
      else calls.push(call);
      return { stream };
    },
  };
  return {
    model,
    nextCall: () => {
      const call = calls.shift();
      return call ? Promise.resolve(call) : new Promise((resolve) => waiting.push(resolve));
    },
  };
}
