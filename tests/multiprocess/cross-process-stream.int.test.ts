/**
 * DESIGN §1.8 across processes: a stream opened on one `confab serve` process sees, live, the turn
 * another process runs (its persisted events; deltas stay with the process producing them), and a
 * client that reconnects to the other process with `Last-Event-ID` gets every later event exactly
 * once, in order.
 */
import type { SessionEvent } from 'confab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, poll } from './support/api.js';
import { EventStream } from './support/event-stream.js';
import { createTestDatabase, type TestDatabase } from './support/postgres-database.js';
import { killAllServers, startServers } from './support/serve-process.js';

let database: TestDatabase;
let first: Api;
let second: Api;

beforeAll(async () => {
  database = await createTestDatabase();
  const servers = await startServers(2, database.url);
  [first, second] = servers.map((server) => new Api(server.url, server.token)) as [Api, Api];
}, 60_000);

afterAll(async () => {
  await killAllServers();
  await database?.drop();
});

/** The persisted events' ids as the stream numbers them. */
const idsOf = (events: SessionEvent[]) => events.map((event) => String(event.seq));

/** Frame ids (`<seq>` or `<seq>.<sub>`) in strictly increasing stream order: nothing twice, nothing reordered. */
function expectStrictlyIncreasing(ids: string[]): void {
  const positions = ids.map((id) => id.split('.').map(Number) as [number, number?]);
  for (let index = 1; index < positions.length; index++) {
    const [seq, sub = 0] = positions[index] as [number, number?];
    const [previousSeq, previousSub = 0] = positions[index - 1] as [number, number?];
    expect(seq > previousSeq || (seq === previousSeq && sub > previousSub), ids.join(' ')).toBe(true);
  }
}

describe('event streams across processes', () => {
  it('shows a turn of the other process live, and resumes on the other process exactly once', async () => {
    const sessionId = await first.createSession();
    const streamOnFirst = await EventStream.open(first.url, first.token, sessionId);

    // A turn that sleeps, run by the second process: the first must show its start while it still runs.
    const slowTurn = second.turn(sessionId, '/sleep 1500 from the second process');
    let slowTurnAnswered = false;
    void slowTurn.then(() => {
      slowTurnAnswered = true;
    });
    await streamOnFirst.waitFor('the turn-start of the second process', (frames) =>
      frames.some((frame) => frame.event === 'turn-start'),
    );
    expect(slowTurnAnswered).toBe(false);
    const turnOne = await slowTurn;
    await streamOnFirst.waitFor('the turn-end of the second process', (frames) =>
      frames.some((frame) => frame.event === 'turn-end'),
    );
    // Every persisted event of the other process's turn arrives, in order, once; deltas stay per process.
    expect(streamOnFirst.persisted).toEqual(turnOne.events);
    expectStrictlyIncreasing(streamOnFirst.frames.map((frame) => frame.id));

    // The client leaves midway through what it saw (after the turn's input), and a turn runs meanwhile.
    const lastSeen = turnOne.events[1] as SessionEvent;
    expect(lastSeen.type).toBe('input');
    streamOnFirst.close();
    const turnTwo = await first.turn(sessionId, 'while nobody watched');

    // Reconnecting to the other process: the rest of turn one and all of turn two, then live again.
    const streamOnSecond = await EventStream.open(second.url, second.token, sessionId, {
      lastEventId: String(lastSeen.seq),
    });
    const missed = [...turnOne.events.slice(2), ...turnTwo.events];
    await streamOnSecond.waitFor('the missed events', (frames) => frames.length >= missed.length);
    const turnThree = await first.turn(sessionId, 'live again, from the first process');
    const all = await poll('the whole log', async () => {
      const events = await second.events(sessionId);
      return events.length === 12 ? events : undefined;
    });
    await streamOnSecond.waitFor('the live turn of the first process', (frames) =>
      frames.some((frame) => frame.id === String(turnThree.events.at(-1)?.seq)),
    );
    streamOnSecond.close();
    expect(streamOnSecond.persisted).toEqual(all.slice(lastSeen.seq));
    expectStrictlyIncreasing(streamOnSecond.frames.map((frame) => frame.id));
    // Turns that had ended before the reconnect come back as persisted events only (DESIGN §6.1).
    const replayed = streamOnSecond.frames.slice(0, missed.length);
    expect(replayed.map((frame) => frame.id)).toEqual(idsOf(missed));
    expect(all).toEqual([...turnOne.events, ...turnTwo.events, ...turnThree.events]);
  });
});
