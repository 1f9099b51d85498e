import { type ModelReference, Pool } from 'confab';
import { createEchoModel } from 'confab/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteFixture } from '../support/sqlite-fixture.js';

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

describe('pool: the turn model', () => {
  it('is resolved once per turn, for a turn run at once and for a batched one', async () => {
    const resolved: ModelReference[] = [];
    const echo = createEchoModel();
    pool = new Pool({
      store: fixture.store,
      defaultModel: 'echo',
      resolveModel: async (reference) => {
        resolved.push(reference);
        return echo;
      },
    });
    const { session } = await pool.createSession(null);
    await (await pool.chat(session.id, 'hello')).result;
    expect(resolved).toEqual(['echo']);
    await (await pool.chat(session.id, 'again', { model: 'other' })).result;
    expect(resolved).toEqual(['echo', 'other']);
    await pool.send(session.id, 'queued');
    await pool.runner.session(session.id).idle();
    expect(resolved).toEqual(['echo', 'other', 'echo']);
  });
});
