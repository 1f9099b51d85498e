import { describe, expect, it } from 'vitest';
import { countContextTokens } from '../compaction/session-tokens.js';
import { MemoryStore } from '../store/memory/memory-store.js';
import type { ReadContextOptions, ReadEventsQuery, SessionContext } from '../store/port/session-store.js';
import { createEchoModel } from '../testing/echo-model.js';
import { createScriptedModel, scriptedText } from '../testing/scripted-model.js';
import { defineAgent } from './agent.js';
import { PROMPT_EVENT_TYPES } from './prompt.js';
import { ResidentContext } from './resident-context.js';
import { Runner } from './runner.js';

/** A MemoryStore that counts whole-context reads and the events read by `readEvents`. */
class CountingStore extends MemoryStore {
  contextReads = 0;
  eventsRead = 0;

  override async readContext(sessionId: string, options?: ReadContextOptions): Promise<SessionContext> {
    this.contextReads++;
    return super.readContext(sessionId, options);
  }

  override async readEvents(sessionId: string, query?: ReadEventsQuery) {
    const page = await super.readEvents(sessionId, query);
    this.eventsRead += page.events.length;
    return page;
  }
}

async function sessionOf(store: MemoryStore, id: string) {
  const session = await store.getSession(id);
  if (!session) throw new Error('missing');
  return session;
}

describe('ResidentContext', () => {
  it('reads the context whole once, then only the events written since, whatever the length', async () => {
    const store = new CountingStore();
    const runner = new Runner({ store, logic: defineAgent({ model: createEchoModel() }) });
    const { session } = await store.createSession({ appId: 'app' });
    const context = new ResidentContext();
    try {
      await context.load(store, await sessionOf(store, session.id));
      expect(store.contextReads).toBe(1);
      for (let turn = 0; turn < 30; turn++) {
        await runner.run(session.id, `hello ${turn}`).result;
        const readsBefore = store.eventsRead;
        const current = await sessionOf(store, session.id);
        const loaded = await context.load(store, current);
        // A turn writes turn-start, input, message and turn-end: that gap is all that is read.
        expect(store.eventsRead - readsBefore).toBe(4);
        const whole = await store.readContext(session.id, { types: PROMPT_EVENT_TYPES });
        expect(loaded.events).toEqual(whole.events);
        expect(context.tokens(current)).toBe(countContextTokens(await store.readContext(session.id)));
      }
    } finally {
      await runner.close();
    }
  });

  it('reloads whole after a compaction another writer made, and the token count follows it', async () => {
    const store = new CountingStore();
    const runner = new Runner({ store, logic: defineAgent({ model: createEchoModel() }) });
    const { session } = await store.createSession({ appId: 'app' });
    const context = new ResidentContext();
    try {
      for (let turn = 0; turn < 12; turn++) await runner.run(session.id, `message number ${turn}`).result;
      await context.load(store, await sessionOf(store, session.id));
      const reads = store.contextReads;
      const lease = await store.acquireLease(session.id, 'other', 10_000);
      const head = await sessionOf(store, session.id);
      await store.appendEvents({
        sessionId: session.id,
        lease,
        events: [{ type: 'compaction', turn: head.turnCount, data: { summary: 'they chatted', throughSeq: 20 } }],
      });
      if (lease) await store.releaseLease(lease);
      const current = await sessionOf(store, session.id);
      const loaded = await context.load(store, current);
      expect(store.contextReads).toBe(reads + 1);
      const whole = await store.readContext(session.id, { types: PROMPT_EVENT_TYPES });
      expect(loaded.compaction?.data.summary).toBe('they chatted');
      expect(loaded.events).toEqual(whole.events);
      expect(context.tokens(current)).toBe(countContextTokens(await store.readContext(session.id)));
    } finally {
      await runner.close();
    }
  });

  it('sees turns run by another runner (another process) on the same store before the next prompt', async () => {
    const store = new CountingStore();
    const model = createScriptedModel([scriptedText('one'), scriptedText('two'), scriptedText('three')]);
    const here = new Runner({ store, logic: defineAgent({ model }) });
    const elsewhere = new Runner({ store, logic: defineAgent({ model }) });
    const { session } = await store.createSession({ appId: 'app' });
    try {
      await here.run(session.id, 'first').result;
      await elsewhere.run(session.id, 'second').result;
      await here.run(session.id, 'third').result;
      const prompt = model.calls[2]?.prompt ?? [];
      const userTexts = prompt.filter((message) => message.role === 'user').map((message) => JSON.stringify(message));
      expect(userTexts).toHaveLength(3);
      expect(userTexts[1]).toContain('second');
      expect(JSON.stringify(prompt)).toContain('two');
    } finally {
      await here.close();
      await elsewhere.close();
    }
  });
});
