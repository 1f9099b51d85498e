/**
 * Model addresses (issue 15, item 2): a tenant must never make the server contact an address of
 * its choosing. A TCP listener stands for an internal service and must receive nothing. Two real
 * servers are probed: `confab serve --models echo` (the operator's list) and a server in this
 * process built with its own pool and no list (where names that spell a provider address are
 * refused). `RELIABILITY_MODEL_CASES` generated model names (default 100; `RELIABILITY_SEED`
 * replays) aimed at the listener (`openai-compatible:` base URLs in many spellings, bare URLs,
 * other providers, case and whitespace variants of allowed names) go into every request field
 * that names a model: session create, PATCH, JSON and streamed turns, channel resolve and the
 * `useChat` endpoint. Each must be 400 `invalid_argument` with an answer that says nothing of the
 * address (no connect error: the server is no port scanner); afterwards every session still
 * answers a turn, and the listener has had no connection at all.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '@confab/sqlite';
import { Pool } from 'confab';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../packages/server/src/app.js';
import { spellsAddress } from '../packages/server/src/model-check.js';
import { serve } from '../packages/server/src/serve.js';
import { ApiClient, createToken } from '../packages/server/src/test-support/harness.js';
import { type CrashServer, startCrashServer } from './support/crash-server.js';

const CASES = Number(process.env.RELIABILITY_MODEL_CASES ?? 100);
const SEED = Number(process.env.RELIABILITY_SEED ?? Math.floor(Math.random() * 2 ** 31));
const TOKEN = 'model-address-tenant-token';

const directory = mkdtempSync(join(tmpdir(), 'confab-model-address-'));
const cleanups: Array<() => Promise<unknown>> = [];
let listener: Server;
let port = 0;
const contacts: string[] = [];

beforeAll(async () => {
  const sockets = new Set<Socket>();
  listener = createServer((socket) => {
    contacts.push(`${socket.remoteAddress}:${socket.remotePort}`);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  port = (listener.address() as { port: number }).port;
  cleanups.push(() => new Promise((resolve) => listener.close(resolve)));
  // The listener must see a connection when one is made, or its silence proves nothing.
  await new Promise<void>((resolve, reject) => connect(port, '127.0.0.1', resolve).on('error', reject));
  await waitFor(() => contacts.length === 1);
  contacts.length = 0;
});

async function waitFor(check: () => boolean): Promise<void> {
  for (let waited = 0; !check(); waited += 10) {
    if (waited > 5000) throw new Error('the listener saw no connection');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  rmSync(directory, { recursive: true, force: true });
});

/** Model names that point at the listener, or are simply not on the list, in many spellings. */
function hostileModels(): fc.Arbitrary<string> {
  const hosts = ['127.0.0.1', 'localhost', '[::1]', '2130706433', '0x7f000001', '127.1', '0.0.0.0', 'LOCALHOST'];
  const url = fc
    .tuple(
      fc.constantFrom('http', 'https', 'HTTP', 'hTTp'),
      fc.constantFrom(...hosts),
      fc.constantFrom('/v1', '/internal/v1', '', '/v1/', '/v1?x=1', '/%2e%2e/v1', '/v1#frag'),
      fc.constantFrom('', 'user:pass@'),
    )
    .map(([scheme, host, path, userInfo]) => `${scheme}://${userInfo}${host}:${port}${path}`);
  const modelId = fc.constantFrom('m', 'gpt-4o', 'a:b:c', 'echo', '');
  return fc.oneof(
    fc
      .tuple(fc.constantFrom('openai-compatible:', 'OPENAI-COMPATIBLE:', ' openai-compatible:'), url, modelId)
      .map(([prefix, address, id]) => `${prefix}${address}:${id}`),
    url,
    fc.tuple(fc.constantFrom('openai:', 'anthropic:', 'google:', 'echo:', 'confab:'), url).map(([a, b]) => `${a}${b}`),
    fc.constantFrom('openai:gpt-4o', 'anthropic:claude-sonnet-4-5', 'ECHO', 'echo ', ' echo', 'echo\t', 'echo2'),
    fc
      .tuple(fc.string({ maxLength: 12 }), url, fc.string({ maxLength: 12 }))
      .map(([before, address, after]) => `${before}${address}${after}`),
  );
}

type Request = { method: string; path: string; body: unknown; headers?: Record<string, string> };

/** Every request field that names a model, for `model`, against `sessionId`. */
function requestsNaming(model: string, sessionId: string, index: number): Request[] {
  const sse = { accept: 'text/event-stream' };
  return [
    { method: 'POST', path: '/v1/sessions', body: { model } },
    { method: 'PATCH', path: `/v1/sessions/${sessionId}`, body: { model } },
    { method: 'POST', path: `/v1/sessions/${sessionId}/turns`, body: { input: 'hi', model } },
    { method: 'POST', path: `/v1/sessions/${sessionId}/turns`, body: { input: 'hi', model }, headers: sse },
    { method: 'POST', path: `/v1/channels/probe-${index}/resolve`, body: { model } },
    {
      method: 'POST',
      path: '/v1/chat',
      body: {
        id: `chat-${index}`,
        model,
        messages: [{ id: `u${index}`, role: 'user', parts: [{ type: 'text', text: 'hi' }] }],
      },
    },
  ];
}

/** Probes one server; returns what it saw. Fails the test on any answer other than the refusal. */
async function probe(
  api: ApiClient,
  name: string,
  refused: (model: string) => boolean,
): Promise<{ requests: number; models: number }> {
  const sessions = await Promise.all([api.createSession(), api.createSession()]);
  const models = fc.sample(hostileModels(), { numRuns: CASES, seed: SEED }).filter(refused);
  let requests = 0;
  const problems: string[] = [];
  for (const [index, model] of models.entries()) {
    const session = sessions[index % sessions.length];
    for (const request of requestsNaming(model, session.id, index)) {
      const answer = await api.call(request.method, request.path, { body: request.body, headers: request.headers });
      requests++;
      const text = JSON.stringify(answer.body);
      if (answer.status !== 400 || answer.body?.error?.code !== 'invalid_argument') {
        problems.push(
          `${name} ${request.method} ${request.path} model ${JSON.stringify(model)}: ${answer.status} ${text}`,
        );
      } else if (/ECONNREFUSED|ECONNRESET|socket|fetch failed|connect/i.test(text)) {
        problems.push(`${name}: the answer tells of a connection: ${text}`);
      }
    }
  }
  expect(problems.slice(0, 10)).toEqual([]);
  // The refusals wrote nothing that jams a session: each still answers a turn with the echo model.
  for (const session of sessions) {
    const turn = await api.post(`/v1/sessions/${session.id}/turns`, { input: 'still here' });
    expect([turn.status, turn.body.turn?.stopReason]).toEqual([200, 'stop']);
  }
  return { requests, models: models.length };
}

describe('model addresses', () => {
  it(`no tenant-named model makes either server contact an address (seed ${SEED})`, async () => {
    const cli: CrashServer = await startCrashServer({
      filename: join(directory, 'cli.db'),
      tokens: `tenant:${TOKEN}`,
      leaseTtlMs: 5000,
      startTimeoutMs: 60_000,
      extraArgs: ['--models', 'echo', '--sessions-per-minute', '0', '--turns-per-minute', '0'],
    });
    cleanups.push(() => cli.stop());
    const listed = await probe(
      new ApiClient(cli.url, TOKEN),
      'confab serve --models echo',
      (model) => model !== 'echo',
    );

    // A server given its own pool has no list: names spelling an address are refused all the same.
    const store = new SqliteStore({ filename: join(directory, 'library.db') });
    await store.migrate();
    const token = await createToken(store, 'tenant');
    const pool = new Pool({ store });
    const running = await serve({
      app: createApp({
        store,
        pool,
        logger: false,
        metrics: false,
        limits: { sessionsPerMinute: 0, turnsPerMinute: 0 },
      }),
      port: 0,
    });
    cleanups.push(() => running.close());
    // Without a list, other names are the pool's to resolve: only those spelling an address are probed.
    const unlisted = await probe(new ApiClient(running.url, token), 'createApp without a list', spellsAddress);

    // Anything a refusal set off would have connected by now.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(contacts).toEqual([]);
    console.log(
      `model addresses: ${listed.models} and ${unlisted.models} names × 6 fields on the two servers: ` +
        `${listed.requests} and ${unlisted.requests} requests refused with 400, 0 connections to the listener (seed ${SEED})`,
    );
  });
});
