import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineAgent, Runner, tool } from 'confab';
import { createEchoModel, createScriptedModel, scriptedText } from 'confab/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startRunnerChild } from '../support/child-process.js';
import { createSqliteFixture, readLog, types } from '../support/sqlite-fixture.js';

let fixture: Awaited<ReturnType<typeof createSqliteFixture>>;
beforeEach(async () => {
  fixture = await createSqliteFixture();
});
afterEach(async () => {
  await fixture.dispose();
});

const newSession = async () => (await fixture.store.createSession({ appId: 'app' })).session;

describe('crashes', () => {
  it('a turn killed mid-stream is closed with stopReason error on takeover, and the next turn runs', async () => {
    const session = await newSession();
    const child = startRunnerChild(['sleep-turn', fixture.filename, session.id]);
    await child.waitFor('started');
    child.process.kill('SIGKILL');
    await child.exited;

    const runner = new Runner({
      store: fixture.store,
      logic: defineAgent({ model: createEchoModel() }),
      leaseTtlMs: 400,
    });
    const next = await runner.run(session.id, 'are you there?').result;
    expect(next).toMatchObject({ index: 2, stopReason: 'stop' });
    const log = await readLog(fixture.store, session.id);
    expect(types(log)).toEqual([
      'turn-start',
      'input',
      'error',
      'turn-end',
      'turn-start',
      'input',
      'message',
      'turn-end',
    ]);
    expect(log[3]).toMatchObject({ turn: 1, data: { stopReason: 'error', inputCount: 1 } });
    expect((await fixture.store.getSession(session.id))?.runtime).toMatchObject({ turn: null });
  });

  it('a tool cut off by a crash is never run twice: its outcome is reported unknown', async () => {
    const session = await newSession();
    const marker = join(fixture.directory, 'tool-runs.txt');
    writeFileSync(marker, '');
    const child = startRunnerChild(['hang-in-tool', fixture.filename, session.id, '1', marker]);
    await child.waitFor('tool-started');
    child.process.kill('SIGKILL');
    await child.exited;

    let reruns = 0;
    const charge = tool({
      inputSchema: z.object({ amount: z.number() }),
      execute: () => {
        reruns++;
        return { charged: true };
      },
    });
    const model = createScriptedModel([scriptedText('next answer')]);
    const runner = new Runner({
      store: fixture.store,
      logic: defineAgent({ model, tools: { charge } }),
      leaseTtlMs: 400,
    });
    await runner.run(session.id, 'status?').result;
    expect(reruns).toBe(0);
    expect(readFileSync(marker, 'utf8')).toBe('started\n');
    const log = await readLog(fixture.store, session.id);
    const result = log.find((event) => event.type === 'tool-result');
    expect(result).toMatchObject({ turn: 1, data: { toolCallId: 'charge-1', isError: true } });
    expect(JSON.stringify(result?.data)).toContain('outcome unknown');
    // The model of the next turn sees a valid conversation: the call is paired with its result.
    const prompt = model.calls[0]?.prompt ?? [];
    expect(prompt.map((message) => message.role)).toEqual(['user', 'assistant', 'tool', 'user']);
  });

  it('an idempotent tool cut off by a crash is run again on recovery, once', async () => {
    const session = await newSession();
    const marker = join(fixture.directory, 'tool-runs.txt');
    writeFileSync(marker, '');
    const child = startRunnerChild(['hang-in-tool', fixture.filename, session.id, '1', marker]);
    await child.waitFor('tool-started');
    child.process.kill('SIGKILL');
    await child.exited;

    let reruns = 0;
    const charge = tool({
      inputSchema: z.object({ amount: z.number() }),
      idempotent: true,
      execute: ({ amount }) => {
        reruns++;
        return { charged: amount };
      },
    });
    const runner = new Runner({
      store: fixture.store,
      logic: defineAgent({ model: createScriptedModel([scriptedText('ok')]), tools: { charge } }),
      leaseTtlMs: 400,
    });
    await runner.run(session.id, 'status?').result;
    await runner.run(session.id, 'again').result.catch(() => undefined);
    expect(reruns).toBe(1);
    const results = (await readLog(fixture.store, session.id)).filter((event) => event.type === 'tool-result');
    expect(results).toHaveLength(1);
    expect(results[0]?.data).toMatchObject({ output: { charged: 5 }, isError: false });
  });
});

describe('two processes on one SQLite file', () => {
  it('never run overlapping turns of one session', async () => {
    const session = await newSession();
    const children = [0, 1].map(() => startRunnerChild(['turns', fixture.filename, session.id, '8']));
    const codes = await Promise.all(children.map((child) => child.exited));
    expect(codes).toEqual([0, 0]);
    const log = await readLog(fixture.store, session.id);
    let open = 0;
    let turn = 0;
    for (const event of log) {
      if (event.type === 'turn-start') {
        open++;
        turn++;
        expect(event.turn).toBe(turn);
      }
      if (event.type === 'turn-end') open--;
      expect(open).toBeGreaterThanOrEqual(0);
      expect(open).toBeLessThanOrEqual(1);
    }
    expect(turn).toBe(16);
    expect(
      log
        .filter((event) => event.type === 'turn-end')
        .every((event) => event.type === 'turn-end' && event.data.stopReason === 'stop'),
    ).toBe(true);
  });

  it('consume every batched input exactly once', async () => {
    const session = await newSession();
    const children = [0, 1].map(() => startRunnerChild(['send', fixture.filename, session.id, '40']));
    expect(await Promise.all(children.map((child) => child.exited))).toEqual([0, 0]);
    const log = await readLog(fixture.store, session.id);
    const inputIds = log.flatMap((event) => (event.type === 'input' ? [event.data.inputId] : []));
    expect(inputIds).toHaveLength(80);
    expect(new Set(inputIds).size).toBe(80);
    const counted = log.reduce((sum, event) => sum + (event.type === 'turn-end' ? event.data.inputCount : 0), 0);
    expect(counted).toBe(80);
  });
});
