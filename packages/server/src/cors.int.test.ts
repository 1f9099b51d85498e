import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './test-support/harness.js';

let t: TestServer;
let plain: TestServer;

beforeAll(async () => {
  t = await startTestServer({ app: { corsOrigins: ['http://localhost:5173', 'https://app.example.com'] } });
  plain = await startTestServer();
});
afterAll(async () => {
  await t.close();
  await plain.close();
});

const preflight = (server: TestServer, origin: string) =>
  fetch(`${server.url}/v1/chat`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
    },
  });

describe('--cors-origin', () => {
  it('answers a preflight from a listed origin, allowing Authorization', async () => {
    const answer = await preflight(t, 'http://localhost:5173');
    expect(answer.status).toBe(204);
    expect(answer.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(answer.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    expect(answer.headers.get('access-control-allow-methods')).toContain('POST');
  });

  it('lets a listed origin read answers, errors included, and no other origin', async () => {
    const ok = await t.api.fetch('GET', '/v1/sessions', { headers: { origin: 'https://app.example.com' } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(ok.headers.get('x-request-id')).toMatch(/^req_/);
    const refused = await t.api.fetch('GET', '/v1/sessions', {
      headers: { origin: 'https://app.example.com' },
      token: null,
    });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const stranger = await t.api.fetch('GET', '/v1/sessions', { headers: { origin: 'https://evil.example.com' } });
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
    const strangerPreflight = await preflight(t, 'https://evil.example.com');
    expect(strangerPreflight.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('covers the UI message stream and its 204', async () => {
    const origin = 'http://localhost:5173';
    const stream = await t.api.fetch('POST', '/v1/chat', {
      headers: { origin },
      body: { id: 'cors-chat', messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: 'hi' }] }] },
    });
    expect(stream.headers.get('access-control-allow-origin')).toBe(origin);
    expect(stream.headers.get('x-vercel-ai-ui-message-stream')).toBe('v1');
    expect(stream.headers.get('cache-control')).toBe('no-cache');
    expect(stream.headers.get('x-accel-buffering')).toBe('no');
    expect(stream.headers.get('x-request-id')).toMatch(/^req_/);
    expect(await stream.text()).toContain('data: [DONE]');
    const idle = await t.api.fetch('GET', '/v1/chat/cors-chat/stream', { headers: { origin } });
    expect(idle.status).toBe(204);
    expect(idle.headers.get('access-control-allow-origin')).toBe(origin);
  });

  it('is off by default: no CORS headers, and a preflight is no route', async () => {
    const answer = await preflight(plain, 'http://localhost:5173');
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    expect(answer.status).not.toBe(204);
  });
});
