import { UI_MESSAGE_STREAM_HEADERS, type UIMessageChunk } from 'ai';

/** Options of {@link toUIMessageStreamResponse}. */
export interface UIMessageStreamResponseOptions {
  /** Interval of heartbeat comment lines, which keep proxies from closing a quiet stream. Default 15 000 ms. */
  heartbeatMs?: number;
  /** Extra response headers. */
  headers?: Record<string, string>;
}

/**
 * The HTTP answer of a UI message stream (DESIGN §9): `text/event-stream` with the AI SDK's UI
 * message stream headers, every chunk one `data: <JSON>` frame, heartbeats as comment lines, and
 * `data: [DONE]` at the end. A client that leaves ends the iteration of `chunks` (never the turn).
 */
export function toUIMessageStreamResponse(
  chunks: AsyncIterable<UIMessageChunk>,
  options: UIMessageStreamResponseOptions = {},
): Response {
  const encoder = new TextEncoder();
  const iterator = chunks[Symbol.asyncIterator]();
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      heartbeat = setInterval(() => {
        try {
          controller.enqueue(encoder.encode(': heartbeat\n\n'));
        } catch {
          clearInterval(heartbeat);
        }
      }, options.heartbeatMs ?? 15_000);
      (heartbeat as { unref?: () => void }).unref?.();
    },
    async pull(controller) {
      try {
        const next = await iterator.next();
        if (next.done) {
          clearInterval(heartbeat);
          controller.enqueue(encoder.encode('data: [DONE]\n\n'));
          controller.close();
          return;
        }
        controller.enqueue(encoder.encode(`data: ${JSON.stringify(next.value)}\n\n`));
      } catch (error) {
        clearInterval(heartbeat);
        controller.error(error);
      }
    },
    async cancel() {
      clearInterval(heartbeat);
      await iterator.return?.();
    },
  });
  return new Response(body, { status: 200, headers: { ...UI_MESSAGE_STREAM_HEADERS, ...options.headers } });
}
