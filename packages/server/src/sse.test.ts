import { getEventListeners } from 'node:events';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { encodeFrame, SseStream, untilAborted } from './sse.js';

describe('untilAborted', () => {
  it('yields every item of a long source and leaves no listener on the signal', async () => {
    const controller = new AbortController();
    async function* source() {
      for (let index = 0; index < 10_000; index++) yield index;
    }
    let count = 0;
    for await (const item of untilAborted(source(), controller.signal)) {
      expect(item).toBe(count);
      count++;
      // One listener however many items went by.
      if (count % 1000 === 0) expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    }
    expect(count).toBe(10_000);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('ends a read that is waiting when the signal aborts, and returns the source', async () => {
    const controller = new AbortController();
    let returned = false;
    const source: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({
        next: () => new Promise<IteratorResult<number>>(() => undefined),
        return: async () => {
          returned = true;
          return { done: true, value: undefined };
        },
      }),
    };
    const reading = (async () => {
      const seen: number[] = [];
      for await (const item of untilAborted(source, controller.signal)) seen.push(item);
      return seen;
    })();
    setTimeout(() => controller.abort(), 20);
    expect(await reading).toEqual([]);
    expect(returned).toBe(true);
  });
});

describe('encodeFrame', () => {
  it('writes JSON as one data line and splits text with line breaks into several', () => {
    expect(encodeFrame({ id: '3.1', event: 'delta', data: '{"a":"b\\nc"}' })).toBe(
      'id: 3.1\nevent: delta\ndata: {"a":"b\\nc"}\n\n',
    );
    expect(encodeFrame({ data: 'one\r\ntwo\nthree' })).toBe('data: one\ndata: two\ndata: three\n\n');
  });
});

describe('SseStream', () => {
  it('sends the frames produced in one turn of the event loop as one chunk, unchanged and in order', async () => {
    const stream = new SseStream({ heartbeatMs: 60_000, requestId: 'req_1', logger: pino({ level: 'silent' }) });
    const response = stream.respond(async (send) => {
      await send({ id: '1', event: 'turn-start', data: '{"seq":1}' });
      await send({ id: '1.1', event: 'delta', data: '{"seq":1,"sub":1}' });
      await send({ id: '1.2', event: 'delta', data: '{"seq":1,"sub":2}' });
      await new Promise((resolve) => setTimeout(resolve, 20));
      await send({ id: '2', event: 'turn-end', data: '{"seq":2}' });
    });
    const chunks: string[] = [];
    const decoder = new TextDecoder();
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    for (let next = await reader.read(); !next.done; next = await reader.read())
      chunks.push(decoder.decode(next.value));
    expect(chunks).toEqual([
      ': connected\n\n' +
        'id: 1\nevent: turn-start\ndata: {"seq":1}\n\n' +
        'id: 1.1\nevent: delta\ndata: {"seq":1,"sub":1}\n\n' +
        'id: 1.2\nevent: delta\ndata: {"seq":1,"sub":2}\n\n',
      'id: 2\nevent: turn-end\ndata: {"seq":2}\n\n',
    ]);
  });
});
