import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { z as z3 } from 'zod/v3';
import { ConfabError } from '../errors.js';
import type { SessionEvent } from '../model/event.js';
import { MemoryStore } from '../store/memory/memory-store.js';
import { createScriptedModel, scriptedText, scriptedToolCall } from '../testing/scripted-model.js';
import { type AgentDefinition, defineAgent, type ToolDefinition, tool } from './agent.js';
import { Runner } from './runner.js';

function refusal(define: () => unknown): ConfabError {
  try {
    define();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfabError);
    return error as ConfabError;
  }
  throw new Error('expected the definition to be refused');
}

/** Runs one turn in which the model calls `weather` once, and returns the turn's events. */
// biome-ignore lint/suspicious/noExplicitAny: tools of any input type, as in AgentDefinition.
async function turnCallingWeather(weather: ToolDefinition<any>, logic?: AgentDefinition): Promise<SessionEvent[]> {
  const store = new MemoryStore();
  const model = createScriptedModel([scriptedToolCall('weather', { city: 'Lisbon' }), scriptedText('done')]);
  const runner = new Runner({ store, logic: logic ?? defineAgent({ model, tools: { weather } }) });
  const { session } = await store.createSession({ appId: 'app' });
  await runner.run(session.id, 'weather?').result;
  return (await store.readEvents(session.id, { limit: 100 })).events;
}

describe('tool input schemas', () => {
  it('refuses a zod 3 schema where the tool is defined, with invalid_argument', () => {
    const schema = z3.object({ city: z3.string() });
    // biome-ignore lint/suspicious/noExplicitAny: a JavaScript caller (or a mixed install) gets past the types.
    const byTool = refusal(() => tool({ inputSchema: schema as any, execute: () => 'sunny' }));
    expect(byTool.code).toBe('invalid_argument');
    expect(byTool.message).toMatch(/zod 3 schema.*zod 4/);

    const model = createScriptedModel([]);
    // biome-ignore lint/suspicious/noExplicitAny: as above, a literal tool with a zod 3 schema.
    const literal = { inputSchema: schema as any, execute: () => 'sunny' };
    const byAgent = refusal(() => defineAgent({ model, tools: { weather: literal } }));
    expect(byAgent.code).toBe('invalid_argument');
    expect(byAgent.message).toContain('tool "weather"');
  });

  it('refuses a zod 4 schema without a JSON Schema form where the tool is defined', () => {
    const schema = z.object({
      city: z.string().default(() => {
        throw new Error('no default today');
      }),
    });
    const error = refusal(() => tool({ inputSchema: schema, execute: () => 'sunny' }));
    expect(error.code).toBe('invalid_argument');
    expect(error.message).toContain('no default today');
  });

  it('ends the turn with turn-end when a zod 4 schema throws while checking the input', async () => {
    const weather = tool({
      inputSchema: z.object({
        city: z.string().refine(() => {
          throw new Error('refinement broke');
        }),
      }),
      execute: () => 'sunny',
    });
    const events = await turnCallingWeather(weather);
    expect(events.map((event) => event.type)).toEqual([
      'turn-start',
      'input',
      'tool-call',
      'tool-result',
      'message',
      'turn-end',
    ]);
    const result = events.find((event) => event.type === 'tool-result');
    expect(result?.data).toMatchObject({
      isError: true,
      output: { error: expect.stringContaining('refinement broke') },
    });
  });

  it('ends the turn with an error and turn-end when an agent built by hand holds an unusable schema', async () => {
    const model = createScriptedModel([scriptedText('never called')]);
    // biome-ignore lint/suspicious/noExplicitAny: an agent literal that skipped defineAgent's check.
    const weather = { inputSchema: z3.object({ city: z3.string() }) as any, execute: () => 'sunny' };
    const logic: AgentDefinition = { kind: 'agent', name: 'agent', model, tools: { weather }, maxSteps: 4 };
    const events = await turnCallingWeather(weather, logic);
    expect(events.map((event) => event.type)).toEqual(['turn-start', 'input', 'error', 'turn-end']);
    const end = events.at(-1);
    expect(end?.type === 'turn-end' && end.data.stopReason).toBe('error');
    expect(events[2]?.data).toMatchObject({ code: 'invalid_argument' });
  });
});
