import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../store/memory/memory-store.js';
import { createScriptedModel, type ScriptedModel, scriptedText } from '../testing/scripted-model.js';
import { LeaseKeeper } from './lease-keeper.js';
import { runModelStep } from './model-step.js';
import { type StreamEvent, TurnWriter } from './turn-writer.js';

async function stepFixture() {
  const store = new MemoryStore();
  const { session } = await store.createSession({ appId: 'app' });
  const lease = await store.acquireLease(session.id, 'test', 60_000);
  if (!lease) throw new Error('no lease');
  const keeper = new LeaseKeeper(store, lease, 60_000, () => undefined);
  const streamed: StreamEvent[] = [];
  const writer = new TurnWriter(store, keeper, session, 1, (event) => streamed.push(event));
  return { keeper, writer, streamed };
}

const noTools = async () => ({ executor: 'server' as const, needsApproval: false });

describe('runModelStep', () => {
  it('leaves no abort listener behind on the turn signal, however many parts it read', async () => {
    const { keeper, writer, streamed } = await stepFixture();
    const controller = new AbortController();
    const text = 'word '.repeat(400);
    try {
      const result = await runModelStep({
        model: createScriptedModel([scriptedText(text)]),
        prompt: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
        tools: [],
        signal: controller.signal,
        writer,
        classifyToolCall: noTools,
      });
      expect(result.finishReason).toBe('stop');
      expect(result.finalMessage?.text).toBe(text);
      expect(streamed.filter((event) => event.type === 'text-delta').length).toBeGreaterThan(100);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    } finally {
      await keeper.release();
    }
  });

  it('ends at once on a stop mid-stream, keeping the partial text and removing its listener', async () => {
    const { keeper, writer } = await stepFixture();
    const controller = new AbortController();
    // A stream that sends one part and then waits for more until cancelled.
    const model = createScriptedModel([scriptedText('partial answer')]);
    const stalling = {
      ...model,
      doStream: async (options: Parameters<typeof model.doStream>[0]) => {
        const { stream, ...rest } = await model.doStream({ ...options, abortSignal: undefined });
        const reader = stream.getReader();
        const first = [await reader.read(), await reader.read(), await reader.read()];
        return {
          ...rest,
          stream: new ReadableStream({
            start(streamController) {
              for (const part of first) if (!part.done) streamController.enqueue(part.value);
              setTimeout(() => controller.abort('aborted'), 10);
            },
          }),
        };
      },
    } as typeof model;
    try {
      const result = await runModelStep({
        model: stalling,
        prompt: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
        tools: [],
        signal: controller.signal,
        writer,
        classifyToolCall: noTools,
      });
      expect(result.finishReason).toBe('aborted');
      expect(writer.written.map((event) => event.type)).toEqual(['message']);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    } finally {
      await keeper.release();
    }
  });

  it('retries a failure before any output, honouring retry-after, and never one after output began', async () => {
    const { keeper, writer, streamed } = await stepFixture();
    const limited = Object.assign(new Error('Too Many Requests'), {
      statusCode: 429,
      responseHeaders: { 'retry-after-ms': '1' },
    });
    const failures: unknown[] = [];
    const run = (model: ScriptedModel) =>
      runModelStep({
        model,
        prompt: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
        tools: [],
        signal: new AbortController().signal,
        writer,
        classifyToolCall: noTools,
        retry: { maxRetries: 2, initialDelayMs: 1, maxDelayMs: 100 },
        onFailure: (report) => failures.push({ code: report.failure.code, willRetry: report.willRetry }),
      });
    try {
      const retried = await run(createScriptedModel([{ parts: [{ throw: limited }] }, scriptedText('fine')]));
      expect(retried.finishReason).toBe('stop');
      expect(retried.finalMessage?.text).toBe('fine');
      expect(failures).toEqual([{ code: 'rate_limited', willRetry: true }]);

      failures.length = 0;
      const exhausted = await run(
        createScriptedModel(Array.from({ length: 3 }, () => ({ parts: [{ throw: limited }] }))),
      );
      expect(exhausted).toMatchObject({ finishReason: 'error', failure: { code: 'rate_limited', status: 429 } });
      expect(failures.map((entry) => (entry as { willRetry: boolean }).willRetry)).toEqual([true, true, false]);

      failures.length = 0;
      streamed.length = 0;
      const cut = await run(
        createScriptedModel([{ parts: [{ text: 'half' }, { throw: limited }] }, scriptedText('never')]),
      );
      expect(cut).toMatchObject({ finishReason: 'error', failure: { code: 'rate_limited' } });
      expect(failures).toEqual([{ code: 'rate_limited', willRetry: false }]);
      expect(writer.written.at(-1)).toMatchObject({ type: 'message', data: { text: 'half' } });
    } finally {
      await keeper.release();
    }
  });
});
