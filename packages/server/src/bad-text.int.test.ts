import { ResumeRequestSchema } from 'confab/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './test-support/harness.js';

/*
 * Text no store can keep (NUL, a lone surrogate) is refused at the edge with 400
 * `invalid_argument` in every field that reaches a store, and the session stays usable: an
 * accepted input could otherwise jam it for good on PostgreSQL (issue 15, item 1).
 */

let t: TestServer;
let sessionId: string;

beforeAll(async () => {
  t = await startTestServer();
  sessionId = (await t.api.createSession()).id;
});
afterAll(() => t.close());

const BAD_TEXTS = { nul: 'q\u0000', 'lone high surrogate': '\ud800 hi', 'lone low surrogate': 'x\udc00' };

describe.each(Object.entries(BAD_TEXTS))('%s', (_kind, bad) => {
  it('is refused in every request field that reaches a store', async () => {
    const bodies: Array<[string, unknown]> = [
      ['/v1/sessions', { title: bad }],
      ['/v1/sessions', { clientSessionId: bad }],
      ['/v1/sessions', { agent: bad }],
      ['/v1/sessions', { channel: bad }],
      ['/v1/sessions', { meta: { note: bad } }],
      ['/v1/sessions', { meta: { [bad]: 1 } }],
      ['/v1/sessions', { state: { deep: [bad] } }],
      ['/v1/sessions', { tools: [{ name: 'lookup', description: bad, inputSchema: { type: 'object' } }] }],
      ['/v1/sessions', { tools: [{ name: 'lookup', inputSchema: { type: 'object', title: bad } }] }],
      [`/v1/sessions/${sessionId}/inputs`, { input: bad }],
      [`/v1/sessions/${sessionId}/inputs`, { input: 'ok', files: [bad] }],
      [`/v1/sessions/${sessionId}/turns`, { input: bad }],
    ];
    for (const [path, body] of bodies) {
      const answer = await t.api.post(path, body);
      expect({ path, body, status: answer.status, code: answer.body?.error?.code }).toMatchObject({
        status: 400,
        code: 'invalid_argument',
      });
    }
    const patch = await t.api.call('PATCH', `/v1/sessions/${sessionId}`, { body: { title: bad } });
    expect([patch.status, patch.body.error?.code]).toEqual([400, 'invalid_argument']);
    const upload = await t.api.call(
      'POST',
      `/v1/files?name=${encodeURIComponent(bad.replace(/[\ud800-\udfff]/g, ''))}x`,
      {
        raw: 'data',
        headers: { 'content-type': 'text/plain' },
      },
    );
    if (bad.includes('\u0000')) expect([upload.status, upload.body.error?.code]).toEqual([400, 'invalid_argument']);
    // Client tool outputs (resume) are checked by the same schema.
    expect(ResumeRequestSchema.safeParse({ toolResults: [{ toolCallId: 'c', output: { text: bad } }] }).success).toBe(
      false,
    );
    expect(ResumeRequestSchema.safeParse({ toolResults: [{ toolCallId: 'c', output: { [bad]: 1 } }] }).success).toBe(
      false,
    );
  });

  it('leaves nothing queued, and the session keeps answering turns', async () => {
    await t.api.post(`/v1/sessions/${sessionId}/inputs`, { input: bad });
    const turn = await t.api.turn(sessionId, 'still here');
    expect(turn.events.at(-1)?.type).toBe('turn-end');
    const inputs = await t.store.countPendingInputs(sessionId);
    expect(inputs).toBe(0);
  });
});

it('a channel path with a NUL is refused', async () => {
  const answer = await t.api.post('/v1/channels/a%00b/resolve', {});
  expect([answer.status, answer.body.error?.code]).toEqual([400, 'invalid_argument']);
});
