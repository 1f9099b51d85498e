import { Writable } from 'node:stream';
import { defineAgent, type LifecycleEvent, specificationVersionOf, tool } from 'confab';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createServerModelResolver, runsCurrentProviders } from './provider-loader.js';
import { logProviderErrors } from './provider-log.js';
import { FakeOpenAI } from './test-support/fake-openai.js';
import { type Loose, startTestServer, type TestServer } from './test-support/harness.js';

// Real AI SDK provider packages against a local server speaking the OpenAI wire formats:
// `openai-compatible:` uses Chat Completions, `openai:` the Responses API. On Node ≥ 22 the server
// loads the AI SDK 7 packages (LanguageModelV4), on Node 20 the AI SDK 6 ones (LanguageModelV3);
// the same tests run on both.
const fake = new FakeOpenAI();
let t: TestServer;
let compatible = '';
const logs: Loose[] = [];
const lifecycle: LifecycleEvent[] = [];
const weatherCalls: string[] = [];

beforeAll(async () => {
  await fake.start();
  // The `openai` provider reads its base URL and key from the environment when first loaded.
  process.env.OPENAI_BASE_URL = `${fake.url}/v1`;
  process.env.OPENAI_API_KEY = 'sk-openai-test';
  compatible = `openai-compatible:${fake.url}/v1:llama3.1:8b`;
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk, _encoding, done) {
        logs.push(JSON.parse(String(chunk)));
        done();
      },
    }),
  );
  const resolveModel = createServerModelResolver({ openaiCompatible: { apiKey: 'sk-compatible' } });
  t = await startTestServer({
    pool: {
      resolveModel,
      defaultModel: 'echo',
      providerRetry: { initialDelayMs: 5, maxDelayMs: 2_000 },
      onProviderError: logProviderErrors(logger),
      factory: (_session, model) =>
        defineAgent({
          model,
          tools: {
            weather: tool({
              inputSchema: z.object({ city: z.string() }),
              execute: ({ city }) => {
                weatherCalls.push(city);
                return { city, forecast: 'sunny' };
              },
            }),
          },
        }),
    },
    app: { allowedModels: ['echo', compatible, 'openai:gpt-test'] },
  });
  t.pool.bus.subscribe((event) => lifecycle.push(event));
});

afterAll(async () => {
  await t?.close();
  await fake.close();
  delete process.env.OPENAI_BASE_URL;
  delete process.env.OPENAI_API_KEY;
});

beforeEach(() => {
  fake.requests.length = 0;
  logs.length = 0;
  weatherCalls.length = 0;
});

async function turn(model: string, input: string, extra: Record<string, unknown> = {}): Promise<Loose> {
  const session = await t.api.createSession({ model });
  const answer = await t.api.post(`/v1/sessions/${session.id}/turns`, { input, ...extra });
  expect(answer.status).toBe(200);
  return { ...answer.body.turn, sessionId: session.id };
}

const eventsOf = (result: Loose, type: string) => result.events.filter((event: Loose) => event.type === type);

describe.each([
  ['Chat Completions through openai-compatible:', () => compatible, '/v1/chat/completions'],
  ['Responses through openai:', () => 'openai:gpt-test', '/v1/responses'],
])('%s', (_name, modelOf, path) => {
  it('streams a turn and reports the provider usage', async () => {
    fake.reply({ kind: 'text', text: 'Hello from the fake', usage: { input: 11, output: 4 } });
    const result = await turn(modelOf(), 'hi');
    expect(result.stopReason).toBe('stop');
    expect(eventsOf(result, 'message')[0].data.text).toBe('Hello from the fake');
    expect(result.usage).toEqual({ inputTokens: 11, outputTokens: 4, totalTokens: 15 });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]?.path).toBe(path);
  });

  it('runs a tool call and sends its result back', async () => {
    fake.reply({ kind: 'tool', name: 'weather', args: { city: 'Lisbon' } }, { kind: 'text', text: 'Sunny.' });
    const result = await turn(modelOf(), 'weather?');
    expect(weatherCalls).toEqual(['Lisbon']);
    expect(result.events.map((event: Loose) => event.type)).toEqual([
      'turn-start',
      'input',
      'tool-call',
      'tool-result',
      'message',
      'turn-end',
    ]);
    expect(JSON.stringify(fake.requests[1]?.body)).toContain('sunny');
  });

  it('retries a 429 after its retry-after, then answers', async () => {
    fake.reply({ kind: 'status', status: 429, headers: { 'retry-after-ms': '30' } }, { kind: 'text', text: 'ok' });
    const result = await turn(modelOf(), 'hi');
    expect(result.stopReason).toBe('stop');
    expect(fake.requests).toHaveLength(2);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({
      sessionId: result.sessionId,
      status: 429,
      code: 'rate_limited',
      willRetry: true,
      retryAfterMs: 30,
    });
  });

  it('retries 5xx answers and a dropped connection before any output', async () => {
    fake.reply(
      { kind: 'status', status: 503 },
      { kind: 'drop' },
      { kind: 'status', status: 500 },
      { kind: 'text', text: 'ok' },
    );
    const result = await turn(modelOf(), 'hi');
    expect(result.stopReason).toBe('stop');
    expect(fake.requests).toHaveLength(4);
    expect(logs.map((line) => line.status)).toEqual([503, null, 500]);
  });

  it('classifies failures it does not retry, in the error event, the lifecycle and the log', async () => {
    for (const [status, code] of [
      [401, 'unauthenticated'],
      [403, 'unauthenticated'],
      [400, 'invalid_argument'],
    ] as const) {
      logs.length = 0;
      fake.requests.length = 0;
      fake.reply({ kind: 'status', status, message: 'nope' });
      const result = await turn(modelOf(), 'hi');
      expect(result.stopReason).toBe('error');
      expect(fake.requests).toHaveLength(1);
      expect(eventsOf(result, 'error')[0].data).toMatchObject({ code, message: expect.stringContaining(`${status}`) });
      const ended = lifecycle.findLast((event) => event.type === 'turn.ended' && event.sessionId === result.sessionId);
      expect(ended?.data).toMatchObject({ stopReason: 'error', error: { code } });
      expect(logs).toEqual([expect.objectContaining({ sessionId: result.sessionId, status, code, willRetry: false })]);
    }
  });

  it('gives up on a provider that keeps answering 429, as rate_limited', async () => {
    fake.reply(
      ...Array.from({ length: 4 }, () => ({ kind: 'status' as const, status: 429, headers: { 'retry-after': '0' } })),
    );
    const result = await turn(modelOf(), 'hi');
    expect(result.stopReason).toBe('error');
    expect(fake.requests).toHaveLength(4);
    expect(eventsOf(result, 'error')[0].data.code).toBe('rate_limited');
  });

  it('does not retry a stream cut after output began: the partial text is kept', async () => {
    fake.reply({ kind: 'drop-after-text', text: 'partial answer here' });
    const result = await turn(modelOf(), 'hi');
    expect(result.stopReason).toBe('error');
    expect(fake.requests).toHaveLength(1);
    expect(eventsOf(result, 'message')[0]?.data.text).toBeTruthy();
    expect(eventsOf(result, 'error')[0].data.code).toBe('unavailable');
  });

  it('ends the turn with timeout when the provider never answers', async () => {
    fake.reply({ kind: 'hang' });
    const result = await turn(modelOf(), 'hi', { timeoutMs: 300 });
    expect(result.stopReason).toBe('timeout');
  });
});

describe('openai-compatible: requests', () => {
  it('go to the URL before the model name, with the API key, asking for usage', async () => {
    fake.reply({ kind: 'text', text: 'ok' });
    await turn(compatible, 'hi');
    const [request] = fake.requests;
    expect(request?.path).toBe('/v1/chat/completions');
    expect(request?.headers.authorization).toBe('Bearer sk-compatible');
    expect(request?.body).toMatchObject({
      model: 'llama3.1:8b',
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('end unavailable when the provider is unreachable, after the retries', async () => {
    const closed = new FakeOpenAI();
    await closed.start();
    await closed.close();
    const resolve = createServerModelResolver();
    const model = await resolve(`openai-compatible:${closed.url}/v1:m`);
    expect(model.modelId).toBe('m');
    const server = await startTestServer({
      pool: { resolveModel: resolve, providerRetry: { maxRetries: 1, initialDelayMs: 5 } },
      app: { allowedModels: [`openai-compatible:${closed.url}/v1:m`] },
    });
    try {
      const session = await server.api.createSession({ model: `openai-compatible:${closed.url}/v1:m` });
      const result = await server.api.turn(session.id, 'hi');
      expect(result.stopReason).toBe('error');
      expect(result.events.find((event: Loose) => event.type === 'error').data.code).toBe('unavailable');
    } finally {
      await server.close();
    }
  });
});

describe('the provider packages', () => {
  // The AI SDK 7 packages (`@ai-sdk/openai@4`, …) need Node ≥ 22; npm skips them on Node 20 (they
  // are optional dependencies), where the AI SDK 6 ones serve. The tests above run on both.
  it.skipIf(!runsCurrentProviders())('are the AI SDK 7 ones (LanguageModelV4) on Node ≥ 22', async () => {
    const resolve = createServerModelResolver();
    for (const name of ['openai:gpt-test', 'anthropic:claude-test', compatible]) {
      expect(specificationVersionOf(await resolve(name))).toBe('v4');
    }
  });

  it.skipIf(runsCurrentProviders())('are the AI SDK 6 ones (LanguageModelV3) on Node 20', async () => {
    const resolve = createServerModelResolver();
    for (const name of ['openai:gpt-test', 'anthropic:claude-test', compatible]) {
      expect(specificationVersionOf(await resolve(name))).toBe('v3');
    }
  });
});

describe('models are the operator’s choice', () => {
  it('a tenant cannot make the server call an address of its choosing', async () => {
    const own = `openai-compatible:${fake.url}/internal/v1:m`;
    const session = await t.api.createSession();
    const attempts = [
      await t.api.post('/v1/sessions', { model: own }),
      await t.api.call('PATCH', `/v1/sessions/${session.id}`, { body: { model: own } }),
      await t.api.post(`/v1/sessions/${session.id}/turns`, { input: 'hi', model: own }),
      await t.api.post('/v1/channels/c1/resolve', { model: own }),
      await t.api.post('/v1/sessions', { model: 'openai:gpt-4o' }),
    ];
    for (const answer of attempts) {
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('invalid_argument');
    }
    expect(fake.requests).toEqual([]);
  });

  it('without an allowed list, names that spell an address are still refused', async () => {
    const server = await startTestServer();
    try {
      const answer = await server.api.post('/v1/sessions', { model: `openai-compatible:${fake.url}/v1:m` });
      expect(answer.status).toBe(400);
      expect(answer.body.error.message).toMatch(/provider address/);
      expect((await server.api.post('/v1/sessions', { model: 'echo' })).status).toBe(201);
    } finally {
      await server.close();
    }
    expect(fake.requests).toEqual([]);
  });
});
