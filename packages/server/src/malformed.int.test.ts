import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Loose, startTestServer, type TestServer } from './test-support/harness.js';

let t: TestServer;
let sessionId: string;

beforeAll(async () => {
  t = await startTestServer({ app: { limits: { maxBodyBytes: 64 * 1024, maxInputChars: 2000 } } });
  sessionId = (await t.api.createSession()).id;
});
afterAll(() => t.close());

/** A small deterministic PRNG (mulberry32), so a failure names a reproducible case. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

interface BadRequest {
  name: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** A string or bytes sent as is. */
  raw?: string | Uint8Array<ArrayBuffer>;
  /** Null: no Authorization header; undefined: the valid token. */
  authorization?: string | null;
}

function generate(count: number): BadRequest[] {
  const next = random(20261122);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const s = () => sessionId;
  const jsonRoutes = [
    () => '/v1/sessions',
    () => `/v1/sessions/${s()}/turns`,
    () => `/v1/sessions/${s()}/inputs`,
    () => `/v1/sessions/${s()}/resume`,
    () => `/v1/sessions/${s()}/fork`,
    () => '/v1/channels/room/resolve',
    () => '/v1/chat',
  ];
  const badJson = ['{', '{"input":', 'nul', '[1,2', '{"a":1}}', "{'input':'x'}", '\u0000', '{"input":"x",}', 'NaN'];
  const wrongTypes: Array<[string, unknown]> = [
    ['/v1/sessions', { title: 5 }],
    ['/v1/sessions', { meta: [] }],
    ['/v1/sessions', { tools: 'x' }],
    ['/v1/sessions', { tools: [{ name: 'bad name!', inputSchema: {} }] }],
    ['/v1/sessions', { channel: '' }],
    ['/v1/sessions', { state: 'x' }],
    ['/v1/sessions', { unknownField: true }],
    ['/v1/sessions', []],
    ['/v1/sessions', 'just a string'],
    ['/v1/sessions', null],
    [`/v1/sessions/${sessionId}/turns`, { input: 123 }],
    [`/v1/sessions/${sessionId}/turns`, {}],
    [`/v1/sessions/${sessionId}/turns`, { input: 'x', files: 'f' }],
    [`/v1/sessions/${sessionId}/turns`, { input: 'x', timeoutMs: -5 }],
    [`/v1/sessions/${sessionId}/turns`, { input: 'x', timeoutMs: 1.5 }],
    [`/v1/sessions/${sessionId}/turns`, { input: 'x', model: 7 }],
    [`/v1/sessions/${sessionId}/inputs`, { input: null }],
    [`/v1/sessions/${sessionId}/resume`, { toolResults: 'x' }],
    [`/v1/sessions/${sessionId}/resume`, { approvals: [{ toolCallId: 'c' }] }],
    [`/v1/sessions/${sessionId}/fork`, { snapshotId: 5 }],
    ['/v1/channels/room/resolve', { agent: [] }],
    ['/v1/chat', { id: 5, messages: [] }],
    ['/v1/chat', { id: 'chat', messages: 'x' }],
    ['/v1/chat', { id: 'chat', messages: [{ id: 'm', role: 'user', parts: [{ type: 'text' }] }] }],
    ['/v1/chat', { id: 'chat', messages: [{ id: 'm', role: 'robot', parts: [] }] }],
    ['/v1/chat', { id: 'a/b', messages: [{ id: 'm', role: 'user', parts: [{ type: 'text', text: 'x' }] }] }],
    ['/v1/chat', { id: 'chat', trigger: 'nope', messages: [] }],
    ['/v1/chat', { id: 'chat', message: { id: 'a', role: 'assistant', parts: [{ type: 'tool-x', state: 'zz' }] } }],
  ];
  const badQueries = [
    '/v1/sessions?limit=-1',
    '/v1/sessions?limit=abc',
    '/v1/sessions?limit=1.5',
    '/v1/sessions?status=zzz',
    '/v1/sessions?cursor=%FF%FE',
    `/v1/sessions/${sessionId}/events?after=-5`,
    `/v1/sessions/${sessionId}/events?after=1e3`,
    `/v1/sessions/${sessionId}/events?limit=0`,
    `/v1/sessions/${sessionId}/messages?cursor=bad`,
    `/v1/sessions/${sessionId}/messages?limit=x`,
  ];
  const badIds = ['%FF', '..%2F..', 'x'.repeat(2000), '%E2%82', 'ses_%00', '🙂', `ses_${'f'.repeat(32)}`, '%20'];
  const idRoutes = ['', '/turns', '/events', '/messages', '/snapshots', '/archive', '/stop'];
  const badAuth = [
    null,
    'Bearer',
    'Bearer ',
    'Basic abc',
    'Bearer a b',
    'bearer\ttoken',
    'token-only',
    'Bearer x'.repeat(200),
  ];

  const cases: BadRequest[] = [];
  for (let index = 0; cases.length < count; index++) {
    const kind = index % 10;
    if (kind === 0) {
      const path = pick(jsonRoutes)();
      cases.push({
        name: `bad json ${index}`,
        method: 'POST',
        path,
        raw: pick(badJson),
        headers: { 'content-type': 'application/json' },
      });
    } else if (kind === 1) {
      const [path, body] = pick(wrongTypes);
      cases.push({ name: `wrong type ${index}`, method: 'POST', path, raw: JSON.stringify(body) });
    } else if (kind === 2) {
      const size = 64 * 1024 + 1 + Math.floor(next() * 256 * 1024);
      cases.push({
        name: `huge body ${index}`,
        method: 'POST',
        path: pick(jsonRoutes)(),
        raw: JSON.stringify({ input: 'x'.repeat(size) }),
      });
    } else if (kind === 3) {
      const idRoute = pick(idRoutes);
      const method = idRoute === '/archive' || idRoute === '/stop' || idRoute === '/turns' ? 'POST' : 'GET';
      cases.push({
        name: `bad id ${index}`,
        method,
        path: `/v1/sessions/${pick(badIds)}${idRoute}`,
        raw: method === 'POST' ? '{"input":"x"}' : undefined,
      });
    } else if (kind === 4) {
      cases.push({
        name: `bad auth ${index}`,
        method: 'GET',
        path: `/v1/sessions/${s()}`,
        authorization: pick(badAuth),
      });
    } else if (kind === 5) {
      const bytes = Uint8Array.from({ length: 1 + Math.floor(next() * 64) }, () => 0x80 + Math.floor(next() * 0x7f));
      cases.push({
        name: `non-utf8 ${index}`,
        method: 'POST',
        path: pick(jsonRoutes)(),
        raw: bytes,
        headers: { 'content-type': 'application/json' },
      });
    } else if (kind === 6) {
      cases.push({ name: `bad query ${index}`, method: 'GET', path: pick(badQueries) });
    } else if (kind === 7) {
      const depth = 100 + Math.floor(next() * 20_000);
      cases.push({
        name: `deep json ${index}`,
        method: 'POST',
        path: '/v1/sessions',
        raw: `{"meta":${'['.repeat(depth)}${']'.repeat(depth)}}`,
      });
    } else if (kind === 8) {
      const wrong = pick([
        ['PUT', '/v1/sessions'],
        ['DELETE', '/v1/sessions'],
        ['GET', `/v1/sessions/${sessionId}/turns`],
        ['PATCH', '/v1/lifecycle'],
        ['GET', '/v1/files'],
        ['POST', '/healthz'],
        ['GET', '/v2/sessions'],
        ['GET', '/v1/sessions/a/b/c/d'],
        ['POST', '/v1/channels//resolve'],
      ] as const);
      cases.push({ name: `wrong route ${index}`, method: wrong[0], path: wrong[1] });
    } else {
      const header = pick<{ path: string; headers: Record<string, string>; long?: boolean }>([
        { path: `/v1/sessions/${s()}/turns`, headers: { 'idempotency-key': 'has spaces in it' } },
        { path: `/v1/sessions/${s()}/turns`, headers: { 'idempotency-key': 'k'.repeat(300) } },
        { path: `/v1/sessions/${s()}/inputs`, headers: { 'idempotency-key': '\u00e9t\u00e9' } },
        { path: `/v1/sessions/${s()}/turns`, headers: {}, long: true },
        { path: '/v1/files?ttlSeconds=5', headers: {} },
        { path: '/v1/files?ttlSeconds=x', headers: {} },
        { path: '/v1/files', headers: { 'content-type': 'multipart/form-data; boundary=zzz' } },
      ]);
      const input = header.long ? 'y'.repeat(2001) : 'x';
      cases.push({
        name: `bad header ${index}`,
        method: 'POST',
        path: header.path,
        headers: header.headers,
        raw: JSON.stringify({ input }),
      });
    }
  }
  return cases;
}

async function send(request: BadRequest): Promise<{ status: number; body: Loose }> {
  const headers: Record<string, string> = { ...request.headers };
  if (request.authorization === undefined) headers.authorization = `Bearer ${t.tokens.a}`;
  else if (request.authorization !== null) headers.authorization = request.authorization;
  // Percent-decoding bad bytes is the server's job: send the path exactly as written.
  const response = await fetch(`${t.url}${request.path}`, { method: request.method, headers, body: request.raw });
  const text = await response.text();
  let body: Loose = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Checked below: every answer must be the JSON error shape.
  }
  return { status: response.status, body };
}

describe('malformed requests', () => {
  it('answer 4xx with the error shape, never 5xx, and leave the server healthy', async () => {
    const cases = generate(200);
    expect(cases).toHaveLength(200);
    const failures: string[] = [];
    const summary: Record<string, number> = {};
    // A few at a time: enough concurrency to mix them, not so much that timing decides.
    for (let start = 0; start < cases.length; start += 8) {
      const batch = cases.slice(start, start + 8);
      const answers = await Promise.all(batch.map(send));
      answers.forEach((answer, index) => {
        const request = batch[index]!;
        const shaped =
          typeof answer.body === 'object' &&
          typeof answer.body?.error?.code === 'string' &&
          typeof answer.body.error.message === 'string' &&
          typeof answer.body.error.requestId === 'string';
        const key = `${request.name.replace(/ \d+$/, '')} ${answer.status} ${answer.body?.error?.code}`;
        summary[key] = (summary[key] ?? 0) + 1;
        if (answer.status < 400 || answer.status > 499 || !shaped) {
          failures.push(
            `${request.name} ${request.method} ${request.path.slice(0, 80)} → ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`,
          );
        }
      });
    }
    if (process.env.DEBUG_MALFORMED) console.log(JSON.stringify(summary, null, 1));
    expect(failures).toEqual([]);
    const health = await t.api.get('/healthz', { token: null });
    expect(health.body.ok).toBe(true);
    const turn = await t.api.turn(sessionId, 'still fine');
    expect(turn.stopReason).toBe('stop');
  });
});
