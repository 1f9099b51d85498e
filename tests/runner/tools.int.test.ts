import { defineAgent, Runner, tool } from 'confab';
import { createEchoModel, createScriptedModel, scriptedText, scriptedToolCall } from 'confab/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createSqliteFixture, readLog, types } from '../support/sqlite-fixture.js';

let fixture: Awaited<ReturnType<typeof createSqliteFixture>>;
beforeEach(async () => {
  fixture = await createSqliteFixture();
});
afterEach(async () => {
  await fixture.dispose();
});

const newSession = async (extra = {}) => (await fixture.store.createSession({ appId: 'app', ...extra })).session;

function weatherTool(
  calls: unknown[],
  options: { approval?: 'always' | 'never'; delayMs?: number; timeoutMs?: number } = {},
) {
  return tool({
    description: 'The weather in a city',
    inputSchema: z.object({ city: z.string() }),
    approval: options.approval,
    timeoutMs: options.timeoutMs,
    execute: async ({ city }) => {
      calls.push(city);
      if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      return { city, forecast: 'sunny' };
    },
  });
}

describe('tools', () => {
  it('runs a server tool, persists call and result, and feeds the result back to the model', async () => {
    const calls: unknown[] = [];
    const model = createScriptedModel([
      scriptedToolCall('weather', { city: 'Lisbon' }, { toolCallId: 'c1' }),
      scriptedText('It is sunny.'),
    ]);
    const runner = new Runner({
      store: fixture.store,
      logic: defineAgent({ model, tools: { weather: weatherTool(calls) } }),
    });
    const session = await newSession();
    const result = await runner.run(session.id, 'weather?').result;
    expect(calls).toEqual(['Lisbon']);
    expect(types(result.events)).toEqual(['turn-start', 'input', 'tool-call', 'tool-result', 'message', 'turn-end']);
    expect(result.events[2]?.data).toEqual({
      toolCallId: 'c1',
      toolName: 'weather',
      input: { city: 'Lisbon' },
      executor: 'server',
      needsApproval: false,
    });
    expect(result.events[3]?.data).toEqual({
      toolCallId: 'c1',
      toolName: 'weather',
      output: { city: 'Lisbon', forecast: 'sunny' },
      isError: false,
    });
    const secondPrompt = model.calls[1]?.prompt ?? [];
    expect(secondPrompt.slice(-2)).toEqual([
      {
        role: 'assistant',
        content: [{ type: 'tool-call', toolCallId: 'c1', toolName: 'weather', input: { city: 'Lisbon' } }],
      },
      {
        role: 'tool',
        content: [
          {
            type: 'tool-result',
            toolCallId: 'c1',
            toolName: 'weather',
            output: { type: 'json', value: { city: 'Lisbon', forecast: 'sunny' } },
          },
        ],
      },
    ]);
    expect(model.calls[0]?.tools?.[0]).toMatchObject({
      type: 'function',
      name: 'weather',
      inputSchema: { type: 'object' },
    });
  });

  it('feeds invalid input and timeouts back to the model as tool errors', async () => {
    const calls: unknown[] = [];
    const model = createScriptedModel([
      scriptedToolCall('weather', { town: 'Porto' }, { toolCallId: 'bad' }),
      scriptedToolCall('slow', { city: 'Faro' }, { toolCallId: 'late' }),
      scriptedText('sorry'),
    ]);
    const tools = { weather: weatherTool(calls), slow: weatherTool(calls, { delayMs: 2_000, timeoutMs: 50 }) };
    const runner = new Runner({ store: fixture.store, logic: defineAgent({ model, tools }) });
    const session = await newSession();
    const result = await runner.run(session.id, 'go').result;
    const results = result.events.filter((event) => event.type === 'tool-result');
    expect(results[0]?.data).toMatchObject({
      toolCallId: 'bad',
      isError: true,
      output: { error: 'invalid tool input' },
    });
    expect(results[1]?.data).toMatchObject({
      toolCallId: 'late',
      isError: true,
      output: { error: 'tool timed out after 50 ms' },
    });
    expect(calls).toEqual(['Faro']);
    expect(result.stopReason).toBe('stop');
  });

  it('interrupts for approval, then resumes the same turn and runs the approved call once', async () => {
    const calls: unknown[] = [];
    const model = createScriptedModel([
      scriptedToolCall('weather', { city: 'Lisbon' }, { toolCallId: 'c1' }),
      scriptedText('done'),
    ]);
    const runner = new Runner({
      store: fixture.store,
      logic: defineAgent({ model, tools: { weather: weatherTool(calls) }, approval: { weather: 'always' } }),
    });
    const session = await newSession();
    const first = await runner.run(session.id, 'weather?').result;
    expect(first.stopReason).toBe('interrupted');
    expect(types(first.events)).toEqual(['turn-start', 'input', 'tool-call', 'tool-approval-request', 'turn-end']);
    expect(first.events[2]?.data).toMatchObject({ needsApproval: true, executor: 'server' });
    expect(calls).toEqual([]);
    expect((await fixture.store.getSession(session.id))?.pendingInterrupt).toBe(true);

    await expect(
      runner.resume(session.id, { approvals: [{ toolCallId: 'nope', approved: true }] }).result,
    ).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    const resumed = await runner.resume(session.id, { approvals: [{ toolCallId: 'c1', approved: true }] }).result;
    expect(resumed.index).toBe(1);
    expect(resumed.stopReason).toBe('stop');
    expect(calls).toEqual(['Lisbon']);
    expect(types(resumed.events)).toEqual([
      'turn-start',
      'input',
      'tool-call',
      'tool-approval-request',
      'turn-end',
      'tool-approval',
      'tool-result',
      'message',
      'turn-end',
    ]);
    expect(resumed.events.every((event) => event.turn === 1)).toBe(true);
    const session1 = await fixture.store.getSession(session.id);
    expect(session1).toMatchObject({ pendingInterrupt: false, turnCount: 1 });
    await expect(
      runner.resume(session.id, { approvals: [{ toolCallId: 'c1', approved: true }] }).result,
    ).rejects.toMatchObject({
      code: 'failed_precondition',
    });
    expect(calls).toEqual(['Lisbon']);
  });

  it('a denied call gets an error result and the model carries on', async () => {
    const calls: unknown[] = [];
    const model = createScriptedModel([
      scriptedToolCall('weather', { city: 'Oslo' }, { toolCallId: 'c1' }),
      scriptedText('ok, not checking'),
    ]);
    const runner = new Runner({
      store: fixture.store,
      logic: defineAgent({ model, tools: { weather: weatherTool(calls, { approval: 'always' }) } }),
    });
    const session = await newSession();
    await runner.run(session.id, 'weather?').result;
    const resumed = await runner.resume(session.id, { approvals: [{ toolCallId: 'c1', approved: false }] }).result;
    expect(calls).toEqual([]);
    const result = resumed.events.find((event) => event.type === 'tool-result');
    expect(result?.data).toMatchObject({ isError: true, output: { error: 'the user denied this tool call' } });
    expect(resumed.stopReason).toBe('stop');
  });

  it('an approval with scope session is remembered for later calls of that tool', async () => {
    const calls: unknown[] = [];
    const model = createScriptedModel([
      scriptedToolCall('weather', { city: 'A' }, { toolCallId: 'c1' }),
      scriptedText('first'),
      scriptedToolCall('weather', { city: 'B' }, { toolCallId: 'c2' }),
      scriptedText('second'),
    ]);
    const runner = new Runner({
      store: fixture.store,
      logic: defineAgent({ model, tools: { weather: weatherTool(calls, { approval: 'always' }) } }),
    });
    const session = await newSession();
    await runner.run(session.id, 'one').result;
    await runner.resume(session.id, { approvals: [{ toolCallId: 'c1', approved: true, scope: 'session' }] }).result;
    const second = await runner.run(session.id, 'two').result;
    expect(second.stopReason).toBe('stop');
    expect(calls).toEqual(['A', 'B']);
  });

  it('round-trips a client-side tool through resume with the echo model', async () => {
    const runner = new Runner({ store: fixture.store, logic: defineAgent({ model: createEchoModel() }) });
    const session = await newSession({
      tools: [
        {
          name: 'pick_color',
          description: 'Ask the user',
          inputSchema: { type: 'object', properties: { hint: { type: 'string' } } },
        },
      ],
    });
    const first = await runner.run(session.id, '/tool pick_color {"hint":"warm"}').result;
    expect(first.stopReason).toBe('interrupted');
    const call = first.events.find((event) => event.type === 'tool-call');
    if (call?.type !== 'tool-call') throw new Error('expected a tool call');
    expect(call.data).toMatchObject({ toolName: 'pick_color', executor: 'client', input: { hint: 'warm' } });
    const toolCallId = call.data.toolCallId;
    await expect(
      runner.resume(session.id, { approvals: [{ toolCallId, approved: true }] }).result,
    ).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    const resumed = await runner.resume(session.id, { toolResults: [{ toolCallId, output: { color: 'red' } }] }).result;
    const message = resumed.events.find((event) => event.type === 'message');
    expect(message?.data).toMatchObject({ text: 'echo: {"color":"red"}' });
    expect(resumed.stopReason).toBe('stop');
  });

  it('a new turn closes calls an interrupted turn still waits on', async () => {
    const runner = new Runner({ store: fixture.store, logic: defineAgent({ model: createEchoModel() }) });
    const session = await newSession({ tools: [{ name: 'ask', inputSchema: { type: 'object' } }] });
    await runner.run(session.id, '/tool ask {}').result;
    const next = await runner.run(session.id, 'never mind').result;
    expect(next.stopReason).toBe('stop');
    const log = await readLog(fixture.store, session.id);
    const closing = log.find((event) => event.type === 'tool-result');
    expect(closing).toMatchObject({ turn: 1, data: { isError: true } });
    expect((await fixture.store.getSession(session.id))?.pendingInterrupt).toBe(false);
  });
});
