import { defineAgent, tool } from 'confab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ConfabClient } from './client.js';
import { cuttingFetch, startServer, type TestServer } from './test-support/server.js';
import type { SessionEvent, StreamEvent } from './types.js';

const lookupTool = { name: 'lookup', inputSchema: { type: 'object', properties: { q: { type: 'string' } } } };

describe('client against the real server: turns', () => {
  let server: TestServer;
  let client: ConfabClient;
  let executed: number[];

  beforeAll(async () => {
    executed = [];
    server = await startServer({
      pool: {
        // Every session's agent has a server tool that needs a person's approval.
        factory: (_session, model) =>
          defineAgent({
            model,
            tools: {
              transfer: tool({
                inputSchema: z.object({ amount: z.number() }),
                approval: 'always',
                execute: ({ amount }) => {
                  executed.push(amount);
                  return { transferred: amount };
                },
              }),
            },
          }),
      },
    });
    client = server.client();
  });
  afterAll(() => server.close());

  it('sends concurrent turns on one handle in call order', async () => {
    const session = await client.sessions.create();
    const inputs = ['/sleep 150 one', 'two', '/sleep 50 three', 'four', 'five'];
    const results = await Promise.all(
      inputs.map((input, index) => (index % 2 ? session.stream(input).result : session.turn(input))),
    );
    expect(results.map((result) => result.index)).toEqual([1, 2, 3, 4, 5]);
    expect(results.map((result) => result.text())).toEqual([
      'echo: one',
      'echo: two',
      'echo: three',
      'echo: four',
      'echo: five',
    ]);
    const log = await session.events({ limit: 1000 });
    const logged = log.events.filter((event) => event.type === 'input');
    expect(logged.map((event) => [event.turn, event.type === 'input' && event.data.text])).toEqual(
      inputs.map((input, index) => [index + 1, input]),
    );
  });

  it('runs a client tool handler and resumes until the turn ends', async () => {
    const session = await client.sessions.create({ tools: [lookupTool] });
    const calls: unknown[] = [];
    const result = await session.turn('/tool lookup {"q":"cats"}', {
      tools: {
        lookup: async (input, context) => {
          calls.push({ input, toolName: context.toolName, sessionId: context.sessionId });
          return { found: 3 };
        },
      },
    });
    expect(calls).toEqual([{ input: { q: 'cats' }, toolName: 'lookup', sessionId: session.id }]);
    expect(result.stopReason).toBe('stop');
    expect(result.text()).toBe('echo: {"found":3}');
    const toolResult = result.events.find((event) => event.type === 'tool-result');
    expect(toolResult?.data).toMatchObject({ output: { found: 3 }, isError: false });
    expect(result.index).toBe(1);
    expect((await session.get()).turnCount).toBe(1);
  });

  it('sends a throwing tool handler as an error result', async () => {
    const session = await client.sessions.create({ tools: [lookupTool] });
    const result = await session.turn('/tool lookup {"q":"x"}', {
      tools: {
        lookup: () => {
          throw new Error('the lookup service is down');
        },
      },
    });
    expect(result.stopReason).toBe('stop');
    const toolResult = result.events.find((event) => event.type === 'tool-result');
    expect(toolResult?.data).toMatchObject({ output: { error: 'the lookup service is down' }, isError: true });
    expect(result.text()).toBe('echo: {"error":"the lookup service is down"}');
  });

  it('leaves an interrupt without a handler to the caller, who can resume by hand', async () => {
    const session = await client.sessions.create({ tools: [lookupTool] });
    const interrupted = await session.turn('/tool lookup {"q":"dogs"}');
    expect(interrupted.stopReason).toBe('interrupted');
    const [call] = interrupted.pendingToolCalls();
    expect(call).toMatchObject({ toolName: 'lookup', input: { q: 'dogs' }, executor: 'client' });
    const resumed = await session.resume({ toolResults: [{ toolCallId: call!.toolCallId, output: 'two dogs' }] });
    expect(resumed.stopReason).toBe('stop');
    expect(resumed.text()).toBe('echo: "two dogs"');
    await expect(session.resume({ toolResults: [{ toolCallId: call!.toolCallId, output: 1 }] })).rejects.toMatchObject({
      status: 412,
      code: 'failed_precondition',
    });
  });

  it('streams a client tool round trip, with the resume streamed too', async () => {
    const session = await client.sessions.create({ tools: [lookupTool] });
    const stream = session.stream('/tool lookup {"q":"birds"}', { tools: { lookup: () => ['robin'] } });
    const events: StreamEvent[] = [];
    for await (const event of stream) events.push(event);
    const ends = events.filter((event): event is SessionEvent => event.type === 'turn-end');
    expect(ends.map((event) => event.type === 'turn-end' && event.data.stopReason)).toEqual(['interrupted', 'stop']);
    const result = await stream.result;
    expect(result.text()).toBe('echo: ["robin"]');
    const seqs = result.events.map((event) => event.seq);
    expect(seqs).toEqual([...seqs].sort((left, right) => left - right));
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it('answers approval requests with onApproval: approved runs the tool, denied does not', async () => {
    const session = await client.sessions.create();
    const requests: unknown[] = [];
    const approved = await session.turn('/tool transfer {"amount":5}', {
      onApproval: (request) => {
        requests.push({ toolName: request.toolName, input: request.input, sessionId: request.sessionId });
        return true;
      },
    });
    expect(requests).toEqual([{ toolName: 'transfer', input: { amount: 5 }, sessionId: session.id }]);
    expect(approved.stopReason).toBe('stop');
    expect(approved.text()).toBe('echo: {"transferred":5}');
    expect(executed).toContain(5);

    const denied = await session.turn('/tool transfer {"amount":7}', { onApproval: () => ({ approved: false }) });
    expect(denied.stopReason).toBe('stop');
    expect(executed).not.toContain(7);
    const approval = denied.events.find((event) => event.type === 'tool-approval');
    expect(approval?.data).toMatchObject({ approved: false, scope: 'once' });
  });

  it('rejects the turn when the approval handler throws', async () => {
    const session = await client.sessions.create();
    const failure = new Error('cannot ask anyone');
    await expect(
      session.turn('/tool transfer {"amount":9}', {
        onApproval: () => {
          throw failure;
        },
      }),
    ).rejects.toBe(failure);
    expect(executed).not.toContain(9);
    // The turn still waits for an answer; a later call can give it.
    const page = await session.events({ limit: 1000 });
    const request = page.events.find((event) => event.type === 'tool-approval-request');
    const resumed = await session.resume({
      approvals: [
        { toolCallId: request!.type === 'tool-approval-request' ? request!.data.toolCallId : '', approved: true },
      ],
    });
    expect(resumed.text()).toBe('echo: {"transferred":9}');
  });
});

describe('client against the real server: reconnect mid-stream', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  async function streamWithCut(input: string, cutAfterBytes: number) {
    const seen: Array<{ url: string; method: string; accept: string | null; lastEventId: string | null }> = [];
    const cutting = cuttingFetch(cutAfterBytes, (url, init) => init.method === 'POST' && url.endsWith('/turns'));
    const client = server.client({
      fetch: (url, init) => {
        const headers = new Headers(init.headers);
        seen.push({
          url,
          method: init.method ?? 'GET',
          accept: headers.get('accept'),
          lastEventId: headers.get('last-event-id'),
        });
        return cutting.fetch(url, init);
      },
    });
    const session = await client.sessions.create();
    const stream = session.stream(input);
    const events: StreamEvent[] = [];
    for await (const event of stream) events.push(event);
    const log = await session.events({ limit: 1000 });
    return { events, log: log.events, seen, cuts: cutting.cuts(), result: await stream.result };
  }

  function expectExactlyOnceInOrder(events: StreamEvent[], log: SessionEvent[]) {
    const persisted = events.filter((event) => !('sub' in event));
    expect(persisted).toEqual(log);
    const positions = events.map((event) => ('sub' in event ? event.seq + event.sub / 10_000 : event.seq));
    for (let index = 1; index < positions.length; index++) {
      expect(positions[index]).toBeGreaterThan(positions[index - 1]!);
    }
  }

  it('re-attaches with Last-Event-ID while the turn still runs and misses nothing', async () => {
    // The cut falls after the first frames (input, turn-start), while the model still sleeps.
    const { events, log, seen, cuts, result } = await streamWithCut('/sleep 400 the quick brown fox jumps', 500);
    expect(cuts).toBe(1);
    const reattach = seen.find((request) => request.method === 'GET' && request.accept === 'text/event-stream');
    expect(reattach?.lastEventId).toMatch(/^\d+(\.\d+)?$/);
    expectExactlyOnceInOrder(events, log);
    const deltas = events.map((event) => (event.type === 'text-delta' ? event.data.delta : '')).join('');
    expect(deltas).toBe('echo: the quick brown fox jumps');
    expect(result.text()).toBe('echo: the quick brown fox jumps');
  });

  it.each([60, 400, 700])('delivers every event exactly once after a cut at byte %i', async (bytes) => {
    const { events, log, cuts, result } = await streamWithCut('a somewhat longer answer to cut into pieces', bytes);
    expect(cuts).toBe(1);
    expectExactlyOnceInOrder(events, log);
    expect(result.text()).toBe('echo: a somewhat longer answer to cut into pieces');
    expect(log.filter((event) => event.type === 'turn-start')).toHaveLength(1);
  });
});
