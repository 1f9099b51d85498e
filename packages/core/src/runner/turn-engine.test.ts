import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { SessionEvent } from '../model/event.js';
import { MemoryStore } from '../store/memory/memory-store.js';
import type { ReadContextOptions, SessionContext } from '../store/port/session-store.js';
import { createScriptedModel, scriptedText, scriptedToolCall } from '../testing/scripted-model.js';
import { defineAgent, tool } from './agent.js';
import { buildPrompt, PROMPT_EVENT_TYPES } from './prompt.js';
import { Runner } from './runner.js';

/** A MemoryStore that records the options of every `readContext`. */
class RecordingStore extends MemoryStore {
  readonly contextReads: Array<ReadContextOptions | undefined> = [];

  override async readContext(sessionId: string, options?: ReadContextOptions): Promise<SessionContext> {
    this.contextReads.push(options);
    return super.readContext(sessionId, options);
  }
}

async function fullLog(store: MemoryStore, sessionId: string): Promise<SessionEvent[]> {
  return (await store.readEvents(sessionId, { limit: 1000 })).events;
}

/** The prompt built from the whole log up to and including `throughSeq`. */
function promptFromLog(log: SessionEvent[], throughSeq: number) {
  return buildPrompt({ system: 'Be brief.', events: log.filter((event) => event.seq <= throughSeq) });
}

describe('the prompt path of a turn', () => {
  it('loads only the prompt event types and builds the prompt the whole log would give', async () => {
    const store = new RecordingStore();
    const ran: string[] = [];
    const weather = tool({
      description: 'The weather in a city',
      inputSchema: z.object({ city: z.string() }),
      approval: 'always',
      execute: async ({ city }) => {
        ran.push(city);
        return { city, forecast: 'sunny' };
      },
    });
    const model = createScriptedModel([
      scriptedToolCall('weather', { city: 'Lisbon' }, { toolCallId: 'c1' }),
      scriptedText('Sunny in Lisbon.'),
      scriptedToolCall('weather', { city: 'Porto' }, { toolCallId: 'c2' }),
      scriptedText('Fine, no forecast then.'),
    ]);
    const runner = new Runner({ store, logic: defineAgent({ model, system: 'Be brief.', tools: { weather } }) });
    const { session } = await store.createSession({ appId: 'app' });
    try {
      expect((await runner.run(session.id, 'weather in Lisbon?').result).stopReason).toBe('interrupted');
      const resumed = await runner.resume(session.id, { approvals: [{ toolCallId: 'c1', approved: true }] }).result;
      expect(resumed.stopReason).toBe('stop');
      expect((await runner.run(session.id, 'and Porto?').result).stopReason).toBe('interrupted');
      // A new turn closes the unanswered approval with an error result before the model is called.
      const last = await runner.run(session.id, 'never mind').result;
      expect(last.stopReason).toBe('stop');
      expect(ran).toEqual(['Lisbon']);

      expect(model.calls).toHaveLength(4);
      // The session stays resident: its context is read once, whole, and then only what is new.
      const runnerReads = store.contextReads.filter((options) => options !== undefined);
      expect(runnerReads).toEqual([{ types: PROMPT_EVENT_TYPES }]);

      const log = await fullLog(store, session.id);
      const seqOf = (predicate: (event: SessionEvent) => boolean) => log.filter(predicate).at(-1)?.seq ?? 0;
      // Each call saw exactly the prompt of the whole log written before it.
      const firstInput = seqOf((event) => event.type === 'input' && event.data.text === 'weather in Lisbon?');
      const lisbonResult = seqOf((event) => event.type === 'tool-result' && event.data.toolCallId === 'c1');
      const portoInput = seqOf((event) => event.type === 'input' && event.data.text === 'and Porto?');
      const lastInput = seqOf((event) => event.type === 'input' && event.data.text === 'never mind');
      expect(model.calls.map((call) => call.prompt)).toEqual([
        promptFromLog(log, firstInput),
        promptFromLog(log, lisbonResult),
        promptFromLog(log, portoInput),
        promptFromLog(log, lastInput),
      ]);
      const finalPrompt = model.calls[3]?.prompt ?? [];
      expect(finalPrompt.map((message) => message.role)).toEqual([
        'system',
        'user',
        'assistant',
        'tool',
        'assistant',
        'user',
        'assistant',
        'tool',
        'user',
      ]);
      expect(JSON.stringify(finalPrompt[7])).toContain('a new turn started before this call was answered');
    } finally {
      await runner.close();
    }
  });
});
