import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * What the fake provider does with one request, in order of arrival:
 * - `text`: streams the text in chunks, then usage (Chat Completions only when the request asked
 *   for it with `stream_options.include_usage`, as OpenAI does);
 * - `tool`: streams one tool call with its arguments in chunks;
 * - `status`: answers that status with an OpenAI error body and the given headers (`retry-after`);
 * - `hang`: accepts the request and never answers;
 * - `drop`: destroys the connection without an answer (a reset);
 * - `drop-after-text`: streams the first chunk of `text`, then destroys the connection.
 */
export type FakeReply =
  | { kind: 'text'; text: string; usage?: { input: number; output: number } }
  | { kind: 'tool'; name: string; args: unknown; callId?: string }
  | { kind: 'status'; status: number; headers?: Record<string, string>; message?: string }
  | { kind: 'hang' }
  | { kind: 'drop' }
  | { kind: 'drop-after-text'; text: string };

/** A request the fake received. */
export interface FakeRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

/**
 * A local HTTP server speaking the OpenAI Chat Completions (`POST …/chat/completions`) and
 * Responses (`POST …/responses`) streaming wire formats, on a random port, answering each request
 * with the next scripted {@link FakeReply} (a request beyond the script gets a 500).
 */
export class FakeOpenAI {
  readonly requests: FakeRequest[] = [];
  private readonly replies: FakeReply[] = [];
  private readonly sockets = new Set<Socket>();
  private server: Server | null = null;
  url = '';

  /** Queues replies for the next requests. */
  reply(...replies: FakeReply[]): this {
    this.replies.push(...replies);
    return this;
  }

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch(() => response.destroy());
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
    const path = request.url ?? '';
    this.requests.push({ path, headers: request.headers, body });
    const reply = this.replies.shift() ?? { kind: 'status', status: 500, message: 'the script is exhausted' };
    const responses = path.endsWith('/responses');
    switch (reply.kind) {
      case 'hang':
        return;
      case 'drop':
        request.socket.destroy();
        return;
      case 'status':
        response.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
        response.end(
          JSON.stringify({
            error: { message: reply.message ?? `status ${reply.status}`, type: 'test_error', param: null, code: null },
          }),
        );
        return;
      default:
        break;
    }
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (data: unknown) => response.write(`data: ${JSON.stringify(data)}\n\n`);
    const events = responses ? responsesEvents(reply) : chatEvents(reply, wantsUsage(body));
    if (reply.kind === 'drop-after-text') {
      // The first text chunk goes out, then the connection dies mid-stream.
      for (const event of events.slice(0, responses ? 3 : 1)) send(event);
      await new Promise((resolve) => setTimeout(resolve, 20));
      request.socket.destroy();
      return;
    }
    for (const event of events) send(event);
    if (!responses) response.write('data: [DONE]\n\n');
    response.end();
  }
}

function wantsUsage(body: Record<string, unknown>): boolean {
  return (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
}

function chunksOf(text: string): string[] {
  const size = Math.max(1, Math.ceil(text.length / 3));
  const chunks: string[] = [];
  for (let start = 0; start < text.length; start += size) chunks.push(text.slice(start, start + size));
  return chunks;
}

function chatEvents(reply: FakeReply, includeUsage: boolean): unknown[] {
  const base = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'fake' };
  const choice = (delta: Record<string, unknown>, finish: string | null = null) => ({
    ...base,
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  const events: unknown[] = [];
  let usage = { input: 5, output: 3 };
  if (reply.kind === 'text' || reply.kind === 'drop-after-text') {
    for (const [index, chunk] of chunksOf(reply.text).entries()) {
      events.push(choice(index === 0 ? { role: 'assistant', content: chunk } : { content: chunk }));
    }
    events.push(choice({}, 'stop'));
    if (reply.kind === 'text' && reply.usage) usage = reply.usage;
  } else if (reply.kind === 'tool') {
    const callId = reply.callId ?? 'call_1';
    const args = JSON.stringify(reply.args);
    events.push(
      choice({
        role: 'assistant',
        tool_calls: [{ index: 0, id: callId, type: 'function', function: { name: reply.name, arguments: '' } }],
      }),
    );
    for (const chunk of chunksOf(args))
      events.push(choice({ tool_calls: [{ index: 0, function: { arguments: chunk } }] }));
    events.push(choice({}, 'tool_calls'));
  }
  if (includeUsage) {
    events.push({
      ...base,
      choices: [],
      usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output },
    });
  }
  return events;
}

function responsesEvents(reply: FakeReply): unknown[] {
  const events: unknown[] = [
    { type: 'response.created', response: { id: 'resp_1', created_at: 1_700_000_000, model: 'fake' } },
  ];
  let usage = { input: 5, output: 3 };
  if (reply.kind === 'text' || reply.kind === 'drop-after-text') {
    const item = { type: 'message', id: 'msg_1' };
    events.push({ type: 'response.output_item.added', output_index: 0, item });
    for (const chunk of chunksOf(reply.text)) {
      events.push({
        type: 'response.output_text.delta',
        item_id: 'msg_1',
        output_index: 0,
        content_index: 0,
        delta: chunk,
      });
    }
    events.push({ type: 'response.output_item.done', output_index: 0, item });
    if (reply.kind === 'text' && reply.usage) usage = reply.usage;
  } else if (reply.kind === 'tool') {
    const args = JSON.stringify(reply.args);
    const item = { type: 'function_call', id: 'fc_1', call_id: reply.callId ?? 'call_1', name: reply.name };
    events.push({ type: 'response.output_item.added', output_index: 0, item: { ...item, arguments: '' } });
    for (const chunk of chunksOf(args)) {
      events.push({ type: 'response.function_call_arguments.delta', item_id: 'fc_1', output_index: 0, delta: chunk });
    }
    events.push({
      type: 'response.output_item.done',
      output_index: 0,
      item: { ...item, arguments: args, status: 'completed' },
    });
  }
  events.push({
    type: 'response.completed',
    response: {
      incomplete_details: null,
      usage: {
        input_tokens: usage.input,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: usage.output,
        output_tokens_details: { reasoning_tokens: 0 },
      },
    },
  });
  return events;
}
