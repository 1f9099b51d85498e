/**
 * DESIGN §1.3–1.4 across processes: two `confab serve` processes on one PostgreSQL database take
 * inputs for the same session. Whichever process drains the queue, turns never overlap and every
 * input is consumed exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, poll, sleep } from './support/api.js';
import { splitTurns } from './support/event-log.js';
import { createTestDatabase, type TestDatabase } from './support/postgres-database.js';
import { killAllServers, startServers } from './support/serve-process.js';

const INPUTS = 200;

let database: TestDatabase;
let apis: [Api, Api];

beforeAll(async () => {
  database = await createTestDatabase();
  const servers = await startServers(2, database.url);
  apis = servers.map((server) => new Api(server.url, server.token)) as [Api, Api];
}, 60_000);

afterAll(async () => {
  await killAllServers();
  await database?.drop();
});

/**
 * Queues `INPUTS` inputs, alternating between the two servers, with at most `inFlight` requests
 * open at once; returns the ids the 202 answers gave.
 */
async function queueInputs(sessionId: string, inFlight: number): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  const sender = async () => {
    while (next < INPUTS) {
      const index = next++;
      const answer = await apis[(index % 2) as 0 | 1].request('POST', `/v1/sessions/${sessionId}/inputs`, {
        input: `input ${index}`,
      });
      expect(answer.status, JSON.stringify(answer.body)).toBe(202);
      ids[index] = answer.body.inputId;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, sender));
  return ids;
}

/** Waits until finished turns account for every input, then checks the log turn by turn. */
async function expectEachInputConsumedOnce(sessionId: string, acceptedIds: string[]): Promise<void> {
  expect(new Set(acceptedIds).size).toBe(INPUTS);
  // The queue drains in the background, in whichever process gets the session's lease.
  const events = await poll(
    'every queued input to be consumed by a finished turn',
    async () => {
      const log = await apis[0].events(sessionId);
      const consumed = splitTurns(log).reduce((sum, turn) => sum + (turn.end?.data.inputCount ?? 0), 0);
      return consumed >= INPUTS ? log : undefined;
    },
    30_000,
  );

  // splitTurns throws unless turn-start and turn-end strictly alternate, in time order too.
  const turns = splitTurns(events);
  expect(turns.every((turn) => turn.end?.data.stopReason === 'stop')).toBe(true);
  expect(turns.reduce((sum, turn) => sum + (turn.end?.data.inputCount ?? 0), 0)).toBe(INPUTS);

  const consumedIds = events.flatMap((event) => (event.type === 'input' ? [event.data.inputId] : []));
  expect(consumedIds).toHaveLength(INPUTS);
  expect(new Set(consumedIds)).toEqual(new Set(acceptedIds));
  for (const turn of turns) {
    // Each turn reports exactly the inputs it wrote.
    const own = turn.events.flatMap((event) => (event.type === 'input' ? [event.data.inputId] : []));
    expect(turn.start.data.inputIds).toEqual(own);
    expect(turn.end?.data.inputIds).toEqual(own);
    expect(turn.end?.data.inputCount).toBe(own.length);
  }

  // Both processes read the same log, and it stays settled: no late turn finds anything to run.
  await sleep(300);
  expect(await apis[1].events(sessionId)).toEqual(events);
}

describe('two serve processes, one session, inputs queued through both', () => {
  it('runs non-overlapping turns that consume each of 200 concurrent inputs exactly once', async () => {
    const sessionId = await apis[0].createSession();
    await expectEachInputConsumedOnce(sessionId, await queueInputs(sessionId, INPUTS));
  });

  it('does the same when the inputs trickle in while turns run, so both processes drain the queue', async () => {
    const sessionId = await apis[1].createSession();
    await expectEachInputConsumedOnce(sessionId, await queueInputs(sessionId, 4));
  });
});
