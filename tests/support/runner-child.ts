/**
 * A runner in a child process, for tests that kill processes or run two at once on one SQLite file.
 * Usage: tsx --conditions=confab-source runner-child.ts <mode> <db file> <session id> [count] [marker file]
 *   hang-in-tool  run one turn whose tool records a start in the marker file, then hangs forever
 *   sleep-turn    run one echo turn that sleeps 30 s (prints "started" after its turn-start)
 *   turns         run <count> turns one after another, printing each turn index
 *   send          queue <count> inputs for batched turns and wait until all are consumed
 * Prints "ready" once the store is open.
 */
import { appendFileSync } from 'node:fs';
import { SqliteStore } from '@confab/sqlite';
import { defineAgent, Runner, tool } from 'confab';
import { createEchoModel, createScriptedModel, scriptedText, scriptedToolCall } from 'confab/testing';
import { z } from 'zod';

const [mode, filename, sessionId, countText, marker] = process.argv.slice(2);
if (!mode || !filename || !sessionId) throw new Error('usage: runner-child <mode> <db> <session> [count] [marker]');
const count = Number(countText ?? '1');
const store = new SqliteStore({ filename });
await store.migrate();
const leaseTtlMs = 400;
console.log('ready');

if (mode === 'hang-in-tool') {
  const charge = tool({
    inputSchema: z.object({ amount: z.number() }),
    execute: async () => {
      appendFileSync(marker as string, 'started\n');
      console.log('tool-started');
      await new Promise(() => undefined);
      return null;
    },
  });
  const model = createScriptedModel([
    scriptedToolCall('charge', { amount: 5 }, { toolCallId: 'charge-1' }),
    scriptedText('charged'),
  ]);
  const runner = new Runner({ store, logic: defineAgent({ model, tools: { charge } }), leaseTtlMs });
  await runner.run(sessionId, 'charge me').result;
} else if (mode === 'sleep-turn') {
  const runner = new Runner({ store, logic: defineAgent({ model: createEchoModel() }), leaseTtlMs });
  const handle = runner.run(sessionId, '/sleep 30000 zzz');
  for await (const event of handle) if (event.type === 'turn-start') console.log('started');
} else if (mode === 'turns') {
  const runner = new Runner({
    store,
    logic: defineAgent({ model: createEchoModel() }),
    leaseTtlMs,
    turnWaitMs: 60_000,
  });
  for (let index = 0; index < count; index++) {
    const result = await runner.run(sessionId, `${process.pid} turn ${index}`).result;
    console.log(`turn ${result.index}`);
  }
} else if (mode === 'send') {
  const runner = new Runner({
    store,
    logic: defineAgent({ model: createEchoModel() }),
    leaseTtlMs,
    pollIntervalMs: 50,
  });
  await Promise.all(
    Array.from({ length: count }, (_, index) => runner.send(sessionId, `${process.pid} input ${index}`)),
  );
  while ((await store.countPendingInputs(sessionId)) > 0 || runner.session(sessionId).busy) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  console.log('drained');
}
await store.close();
process.exit(0);
