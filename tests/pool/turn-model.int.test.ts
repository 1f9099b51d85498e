import { defineAgent, type ModelReference, Pool } from 'confab';
import { createEchoModel, createScriptedModel, scriptedText } from 'confab/testing';
import { describe, expect, it } from 'vitest';
import { usePoolFixture } from '../support/pool-fixture.js';

const context = usePoolFixture();

describe('pool: the turn model', () => {
  it('is resolved once per turn, for a turn run at once and for a batched one', async () => {
    const resolved: ModelReference[] = [];
    const echo = createEchoModel();
    context.pool = new Pool({
      store: context.fixture.store,
      defaultModel: 'echo',
      resolveModel: async (reference) => {
        resolved.push(reference);
        return echo;
      },
    });
    const { session } = await context.pool.createSession(null);
    await (await context.pool.chat(session.id, 'hello')).result;
    expect(resolved).toEqual(['echo']);
    await (await context.pool.chat(session.id, 'again', { model: 'other' })).result;
    expect(resolved).toEqual(['echo', 'other']);
    await context.pool.send(session.id, 'queued');
    await context.pool.runner.session(session.id).idle();
    expect(resolved).toEqual(['echo', 'other', 'echo']);
  });

  it('is built into logic once per session and model, kept by the session runner until the model changes, an error or a new factory', async () => {
    const builds: string[] = [];
    let failNext = false;
    const model = createScriptedModel(() => {
      if (failNext) {
        failNext = false;
        return { parts: [{ throw: new Error('provider down') }] };
      }
      return scriptedText('ok');
    });
    context.pool = new Pool({
      store: context.fixture.store,
      providerRetry: { maxRetries: 0 },
      factory: (_session, name) => {
        builds.push(name);
        return defineAgent({ model });
      },
    });
    const { session } = await context.pool.createSession(null);
    const turn = async (options: { model?: string } = {}) =>
      (await context.pool!.chat(session.id, 'hi', options)).result;
    await turn();
    await turn();
    expect(builds).toEqual(['echo']);
    await turn({ model: 'other' });
    await turn();
    expect(builds).toEqual(['echo', 'other', 'echo']);
    failNext = true;
    expect((await turn()).stopReason).toBe('error');
    await turn();
    expect(builds).toEqual(['echo', 'other', 'echo', 'echo']);
    context.pool.setFactory((_session, name) => {
      builds.push(`new ${name}`);
      return defineAgent({ model });
    });
    await turn();
    expect(builds.at(-1)).toBe('new echo');
    // One registry: the pool's residents are its runner's.
    expect(context.pool.residentCount).toBe(context.pool.runner.residentCount);
    expect(context.pool.evictIdle(0)).toBe(1);
    expect(context.pool.residentCount).toBe(0);
  });
});
