import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './test-support/harness.js';

// Issue 15: one turn referencing 32 × 20 MiB files took the RSS from 97 to 867 MB, and every later
// turn of the session read them all again.

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ app: { limits: { maxFileBytes: 1024, maxTurnFileBytes: 2048 } } });
});
afterAll(() => t.close());

async function upload(): Promise<string> {
  const answer = await t.api.call('POST', '/v1/files', { raw: new Uint8Array(1000).fill(1) });
  expect(answer.status).toBe(201);
  return answer.body.fileToken;
}

/** How many times the store was asked for a file's bytes. */
async function fileReads(): Promise<number> {
  const text = (await t.api.get('/metrics', { token: null })).body as string;
  const match = /^confab_store_operation_duration_seconds_count\{operation="getFile",outcome="ok"\} (\d+)/m.exec(text);
  return Number(match?.[1] ?? 0);
}

describe('files of a turn', () => {
  it('refuses an input whose files are over maxTurnFileBytes together (413), on /turns and /inputs', async () => {
    const session = await t.api.createSession();
    const files = [await upload(), await upload(), await upload()];
    for (const route of ['turns', 'inputs']) {
      const answer = await t.api.post(`/v1/sessions/${session.id}/${route}`, { input: 'too much', files });
      expect([answer.status, answer.body.error.code]).toEqual([413, 'payload_too_large']);
    }
    expect(
      (await t.api.post(`/v1/sessions/${session.id}/turns`, { input: 'fits', files: files.slice(1) })).status,
    ).toBe(200);
  });

  it('reads a turn’s files for that turn only, not again for every later turn', async () => {
    const session = await t.api.createSession();
    const files = [await upload(), await upload()];
    await t.api.post(`/v1/sessions/${session.id}/turns`, { input: 'with files', files });
    const before = await fileReads();
    await t.api.turn(session.id, 'no files now');
    await t.api.turn(session.id, 'nor now');
    expect(await fileReads()).toBe(before);
  });
});
