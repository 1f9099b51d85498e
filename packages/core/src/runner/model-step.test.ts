import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../store/memory-store.js';
import { createScriptedModel, scriptedText } from '../testing/scripted-model.js';
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
});
