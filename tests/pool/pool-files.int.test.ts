import { Pool } from 'confab';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteFixture, readLog } from '../support/sqlite-fixture.js';

let fixture: Awaited<ReturnType<typeof createSqliteFixture>>;
let pool: Pool | null = null;
beforeEach(async () => {
  fixture = await createSqliteFixture();
});
afterEach(async () => {
  await pool?.close();
  pool = null;
  await fixture.dispose();
});

async function putFile(token: string, appId: string, bytes: number, expiresInMs = 3_600_000) {
  await fixture.store.putFile({
    token,
    appId,
    mediaType: 'text/plain',
    data: new Uint8Array(bytes).fill(97),
    expiresAt: new Date(Date.now() + expiresInMs).toISOString(),
  });
}

describe('pool: file tokens of an input', () => {
  it('refuses unknown, expired and other apps’ tokens alike, before anything is written or queued', async () => {
    pool = new Pool({ store: fixture.store, appId: 'a' });
    const { session } = await pool.createSession(null);
    await putFile('file_other', 'b', 10);
    await putFile('file_expired', 'a', 10, -1_000);
    for (const token of ['file_missing', 'file_other', 'file_expired']) {
      const refusal = { code: 'invalid_argument', message: `file token ${token} is unknown or expired` };
      await expect(pool.chat(session.id, { text: 'see', files: [token] })).rejects.toMatchObject(refusal);
      await expect(pool.send(session.id, { text: 'see', files: [token] })).rejects.toMatchObject(refusal);
    }
    expect(await readLog(fixture.store, session.id)).toEqual([]);
    expect(await fixture.store.countPendingInputs(session.id)).toBe(0);
  });

  it('takes files of the app, each named once, up to the per-input size limit', async () => {
    pool = new Pool({ store: fixture.store, appId: 'a' });
    const { session } = await pool.createSession(null);
    await putFile('file_1', 'a', 600);
    await putFile('file_2', 'a', 600);
    await expect(
      pool.chat(session.id, { text: 'both', files: ['file_1', 'file_2'] }, { maxInputFileBytes: 1_000 }),
    ).rejects.toMatchObject({ code: 'payload_too_large' });
    const result = await (
      await pool.chat(session.id, { text: 'one', files: ['file_1', 'file_1'] }, { maxInputFileBytes: 1_000 })
    ).result;
    const input = result.events.find((event) => event.type === 'input');
    expect(input?.data).toMatchObject({ text: 'one', files: ['file_1'] });
  });
});
