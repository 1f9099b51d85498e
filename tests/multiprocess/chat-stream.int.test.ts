/**
 * DESIGN §9 across processes: a `useChat` turn runs on one `confab serve` process over PostgreSQL
 * while the AI SDK's `DefaultChatTransport`, pointed at the other process, resumes it through
 * `GET /v1/chat/{id}/stream` (as `useChat` does after a page reload): from the durable log, from
 * the turn's start, then live until its end, nothing twice; and a stop sent to either process
 * ends it.
 */
import { DefaultChatTransport, readUIMessageStream, type UIMessage, type UIMessageChunk } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from './support/api.js';
import { createTestDatabase, type TestDatabase } from './support/postgres-database.js';
import { killAllServers, type ServeProcess, startServers } from './support/serve-process.js';

let database: TestDatabase;
let servers: [ServeProcess, ServeProcess];

beforeAll(async () => {
  database = await createTestDatabase();
  servers = (await startServers(2, database.url)) as [ServeProcess, ServeProcess];
}, 60_000);

afterAll(async () => {
  await killAllServers();
  await database?.drop();
});

/** `useChat`'s transport with nothing but `api` and `headers`, pointed at one process. */
const transportOf = (server: ServeProcess) =>
  new DefaultChatTransport<UIMessage>({
    api: `${server.url}/v1/chat`,
    headers: { authorization: `Bearer ${server.token}` },
  });

const userMessage = (id: string, text: string): UIMessage => ({ id, role: 'user', parts: [{ type: 'text', text }] });

/** Reads a chunk stream to its end: every chunk, and the message the AI SDK builds from them. */
async function readAll(stream: ReadableStream<UIMessageChunk>) {
  const [forChunks, forMessage] = stream.tee();
  const chunks: UIMessageChunk[] = [];
  const collect = (async () => {
    const reader = forChunks.getReader();
    for (let next = await reader.read(); !next.done; next = await reader.read()) chunks.push(next.value);
  })();
  let message: UIMessage | undefined;
  for await (const snapshot of readUIMessageStream({ stream: forMessage })) message = snapshot;
  await collect;
  return { chunks, message: message as UIMessage };
}

const send = (server: ServeProcess, chatId: string, messages: UIMessage[]) =>
  transportOf(server).sendMessages({
    chatId,
    messages,
    trigger: 'submit-message',
    messageId: undefined,
    abortSignal: undefined,
  });

describe('useChat resume across processes (PostgreSQL)', () => {
  it('a turn running on one process is resumed on the other from its start, then live', async () => {
    const [first, second] = servers;
    const chatId = `chat-${Date.now()}`;
    const history = [userMessage('u1', 'hello')];
    const warmUp = await readAll(await send(first, chatId, history));
    expect(warmUp.message.parts.some((part) => part.type === 'text' && part.text === 'echo: hello')).toBe(true);

    // The answer takes a few seconds on the first process: long enough for the second to join.
    const conversation = [...history, warmUp.message, userMessage('u2', '/sleep 4000 from the first process')];
    const running = readAll(await send(first, chatId, conversation));
    const resumed = await transportOf(second).reconnectToStream({ chatId });
    expect(resumed).not.toBeNull();
    const [onFirst, onSecond] = await Promise.all([running, readAll(resumed as ReadableStream<UIMessageChunk>)]);

    expect(onSecond.message.id).toBe(onFirst.message.id);
    expect(onSecond.chunks[0]).toEqual({ type: 'start', messageId: onFirst.message.id });
    expect(onSecond.chunks.at(-1)).toEqual({ type: 'finish', finishReason: 'stop' });
    // The second process saw no deltas (they stay with the process producing them): the text
    // comes whole from the persisted message, once.
    const textOf = (chunks: UIMessageChunk[]) =>
      chunks.flatMap((chunk) => (chunk.type === 'text-delta' ? [chunk.delta] : [])).join('');
    expect(textOf(onSecond.chunks)).toBe('echo: from the first process');
    expect(textOf(onFirst.chunks)).toBe('echo: from the first process');
    expect(onSecond.chunks.filter((chunk) => chunk.type === 'text-start')).toHaveLength(1);
    expect(JSON.parse(JSON.stringify(onSecond.message))).toEqual(JSON.parse(JSON.stringify(onFirst.message)));

    // Both processes now answer 204 for the stream and list the same messages.
    expect(await transportOf(second).reconnectToStream({ chatId })).toBeNull();
    const onFirstList = await new Api(first.url, first.token).request('GET', `/v1/chat/${chatId}/messages`);
    const onSecondList = await new Api(second.url, second.token).request('GET', `/v1/chat/${chatId}/messages`);
    expect(onSecondList.body).toEqual(onFirstList.body);
    expect(onFirstList.body.messages.map((message: UIMessage) => message.id)).toEqual([
      'u1',
      warmUp.message.id,
      'u2',
      onFirst.message.id,
    ]);
  });

  it('a stop sent to the other process ends the turn, and both streams end with finish', async () => {
    const [first, second] = servers;
    const chatId = `chat-stop-${Date.now()}`;
    const running = readAll(await send(first, chatId, [userMessage('u1', '/sleep 60000 never said')]));
    const resumed = await transportOf(second).reconnectToStream({ chatId });
    expect(resumed).not.toBeNull();
    const reading = readAll(resumed as ReadableStream<UIMessageChunk>);
    const stop = await new Api(second.url, second.token).request('POST', `/v1/chat/${chatId}/stop`);
    expect(stop.body).toEqual({ ok: true, stopped: true });
    const [onFirst, onSecond] = await Promise.all([running, reading]);
    expect(onFirst.chunks.at(-1)).toEqual({ type: 'finish', finishReason: 'other' });
    expect(onSecond.chunks.at(-1)).toEqual({ type: 'finish', finishReason: 'other' });
    expect(onSecond.message.id).toBe(onFirst.message.id);
  });
});
