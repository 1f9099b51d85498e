import { defineAgent, Runner, tool } from 'confab';
import { createEchoModel, createScriptedModel, scriptedText, scriptedToolCall } from 'confab/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createSqliteFixture, types } from '../support/sqlite-fixture.js';

// AI SDK 6 providers give LanguageModelV3 objects, AI SDK 7 providers LanguageModelV4 ones: every
// turn path runs the same through both. The v4 models are confab/testing's plain objects, so these
// run on Node 20 as well as on 22 and 24.
let fixture: Awaited<ReturnType<typeof createSqliteFixture>>;
beforeEach(async () => {
  fixture = await createSqliteFixture();
});
afterEach(async () => {
  await fixture.dispose();
});

const newSession = async (extra = {}) => (await fixture.store.createSession({ appId: 'app', ...extra })).session;

const weather = (calls: string[], approval?: 'always') =>
  tool({
    inputSchema: z.object({ city: z.string() }),
    approval,
    execute: ({ city }) => {
      calls.push(city);
      return { city, forecast: 'sunny' };
    },
  });

describe.each(['v3', 'v4'] as const)('a LanguageModel%s', (specificationVersion) => {
  it('streams and persists a turn of the echo model, with usage', async () => {
    const model = createEchoModel({ specificationVersion });
    expect(model.specificationVersion).toBe(specificationVersion);
    const runner = new Runner({ store: fixture.store, logic: defineAgent({ model }) });
    const session = await newSession();
    const result = await runner.run(session.id, 'hello there').result;
    expect(result.stopReason).toBe('stop');
    expect(types(result.events)).toEqual(['turn-start', 'input', 'message', 'turn-end']);
    expect(result.events[0]?.data).toMatchObject({ model: 'confab:echo' });
    expect(result.events[2]?.data).toMatchObject({ role: 'assistant', text: 'echo: hello there' });
    expect(result.usage).toMatchObject({ outputTokens: 3 });
  });

  it('runs a server tool and feeds its result back', async () => {
    const calls: string[] = [];
    const model = createScriptedModel(
      [scriptedToolCall('weather', { city: 'Lisbon' }, { toolCallId: 'c1' }), scriptedText('It is sunny.')],
      { specificationVersion },
    );
    const runner = new Runner({
      store: fixture.store,
      logic: defineAgent({ model, tools: { weather: weather(calls) } }),
    });
    const result = await runner.run((await newSession()).id, 'weather?').result;
    expect(calls).toEqual(['Lisbon']);
    expect(types(result.events)).toEqual(['turn-start', 'input', 'tool-call', 'tool-result', 'message', 'turn-end']);
    const lastPrompt = model.calls[1]?.prompt ?? [];
    expect(lastPrompt.at(-1)).toMatchObject({
      role: 'tool',
      content: [{ type: 'tool-result', toolCallId: 'c1', output: { type: 'json', value: { city: 'Lisbon' } } }],
    });
  });

  it('interrupts for an approval and resumes the same turn', async () => {
    const calls: string[] = [];
    const model = createScriptedModel(
      [scriptedToolCall('weather', { city: 'Porto' }, { toolCallId: 'c1' }), scriptedText('Done.')],
      { specificationVersion },
    );
    const runner = new Runner({
      store: fixture.store,
      logic: defineAgent({ model, tools: { weather: weather(calls, 'always') } }),
    });
    const session = await newSession();
    const first = await runner.run(session.id, 'weather?').result;
    expect(first.stopReason).toBe('interrupted');
    expect(calls).toEqual([]);
    const resumed = await runner.resume(session.id, { approvals: [{ toolCallId: 'c1', approved: true }] }).result;
    expect(resumed.stopReason).toBe('stop');
    expect(calls).toEqual(['Porto']);
    expect(resumed.index).toBe(first.index);
  });

  it('round-trips a client-side tool through resume', async () => {
    const model = createEchoModel({ specificationVersion });
    const runner = new Runner({ store: fixture.store, logic: defineAgent({ model }) });
    const session = await newSession({ tools: [{ name: 'pick', inputSchema: { type: 'object' } }] });
    const first = await runner.run(session.id, '/tool pick {"hint":"warm"}').result;
    expect(first.stopReason).toBe('interrupted');
    const call = first.events.find((event) => event.type === 'tool-call');
    expect(call?.data).toMatchObject({ toolName: 'pick', executor: 'client' });
    const toolCallId = (call?.data as { toolCallId: string } | undefined)?.toolCallId ?? '';
    const resumed = await runner.resume(session.id, { toolResults: [{ toolCallId, output: { color: 'red' } }] }).result;
    expect(resumed.events.at(-2)?.data).toMatchObject({ text: 'echo: {"color":"red"}' });
  });

  it('sends an input file in the prompt format of its specification', async () => {
    const model = createScriptedModel([scriptedText('seen')], { specificationVersion });
    const runner = new Runner({ store: fixture.store, logic: defineAgent({ model }) });
    const session = await newSession();
    const data = new TextEncoder().encode('hello file');
    await fixture.store.putFile({
      token: 'file_1',
      appId: 'app',
      mediaType: 'text/plain',
      data,
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    const result = await runner.run(session.id, { text: 'read this', files: ['file_1'] }).result;
    expect(result.stopReason).toBe('stop');
    const user = model.calls[0]?.prompt.find((message) => message.role === 'user');
    const file = (user?.content as Array<{ type: string; data: unknown }> | undefined)?.find(
      (part) => part.type === 'file',
    );
    // v3 file data is the bytes themselves; v4 tags it ({ type: 'data', data }).
    if (specificationVersion === 'v3') expect(file?.data).toEqual(data);
    else expect(file?.data).toEqual({ type: 'data', data });
  });
});

describe('models of other specifications', () => {
  it('are refused where they enter, naming what was received', async () => {
    const v2 = { ...createEchoModel(), specificationVersion: 'v2' } as never;
    expect(() => defineAgent({ model: v2 })).toThrow(
      expect.objectContaining({ code: 'invalid_argument', message: expect.stringContaining('"v2"') }),
    );
    // A resolver of the application that answers one: the turn is refused before it starts.
    const runner = new Runner({
      store: fixture.store,
      logic: defineAgent({ model: 'legacy' }),
      resolveModel: async () => v2,
    });
    const session = await newSession();
    await expect(runner.run(session.id, 'hi').result).rejects.toMatchObject({ code: 'invalid_argument' });
    const events = await fixture.store.readEvents(session.id, {});
    expect(events.events).toEqual([]);
  });
});
