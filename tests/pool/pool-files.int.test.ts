import { Pool } from 'confab';
import { describe, expect, it } from 'vitest';
import { usePoolFixture } from '../support/pool-fixture.js';
import { readLog } from '../support/sqlite-fixture.js';

const context = usePoolFixture();

async function putFile(token: string, appId: string, bytes: number, expiresInMs = 3_600_000) {
  await context.fixture.store.putFile({
    token,
    appId,
    mediaType: 'text/plain',
    data: new Uint8Array(bytes).fill(97),
    expiresAt: new Date(Date.now() + expiresInMs).toISOString(),
  });
}

describe('pool: file tokens of an input', () => {
  it('refuses unknown, expired and other apps’ tokens alike, before anything is written or queued', async () => {
    context.pool = new Pool({ store: context.fixture.store, appId: 'a' });
    const { session } = await context.pool.createSession(null);
    await putFile('file_other', 'b', 10);
    await putFile('file_expired', 'a', 10, -1_000);
    for (const token of ['file_missing', 'file_other', 'file_expired']) {
      const refusal = { code: 'invalid_argument', message: `file token ${token} is unknown or expired` };
      await expect(context.pool.chat(session.id, { text: 'see', files: [token] })).rejects.toMatchObject(refusal);
      await expect(context.pool.send(session.id, { text: 'see', files: [token] })).rejects.toMatchObject(refusal);
    }
    expect(await readLog(context.fixture.store, session.id)).toEqual([]);
    expect(await context.fixture.store.countPendingInputs(session.id)).toBe(0);
  });

  it('takes files of the app, each named once, up to the per-input size limit', async () => {
    context.pool = new Pool({ store: context.fixture.store, appId: 'a' });
    const { session } = await context.pool.createSession(null);
    await putFile('file_1', 'a', 600);
    await putFile('file_2', 'a', 600);
    await expect(
      context.pool.chat(session.id, { text: 'both', files: ['file_1', 'file_2'] }, { maxInputFileBytes: 1_000 }),
    ).rejects.toMatchObject({ code: 'payload_too_large' });
    const result = await (
      await context.pool.chat(session.id, { text: 'one', files: ['file_1', 'file_1'] }, { maxInputFileBytes: 1_000 })
    ).result;
    const input = result.events.find((event) => event.type === 'input');
    expect(input?.data).toMatchObject({ text: 'one', files: ['file_1'] });
  });
});
