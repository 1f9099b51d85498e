import type { SessionStore } from 'confab/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './test-support/harness.js';

/*
 * `POST /stop` racing the end of a turn, made deterministic: the store holds the turn's `turn-end`
 * append until the stop has reached the turn, so the stop lands after the model's final answer and
 * before the turn-end is written. The answer must agree with the turn-end (DESIGN §6).
 */

let t: TestServer;
let hold: { reached: () => void; released: Promise<void> } | null = null;

/** Holds the next append that carries a `turn-end` until `release()`. */
function holdNextTurnEnd(): { reached: Promise<void>; release: () => void } {
  let reached!: () => void;
  let release!: () => void;
  const reachedPromise = new Promise<void>((resolve) => (reached = resolve));
  hold = { reached, released: new Promise<void>((resolve) => (release = resolve)) };
  return { reached: reachedPromise, release };
}

function holdingTurnEnds(store: SessionStore): SessionStore {
  return new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const bound = value.bind(target);
      if (property !== 'appendEvents' && property !== 'appendFolded') return bound;
      return async (request: { events: Array<{ type: string }> }) => {
        const current = hold;
        if (current && request.events.some((event) => event.type === 'turn-end')) {
          hold = null;
          current.reached();
          await current.released;
        }
        return bound(request);
      };
    },
  });
}

beforeAll(async () => {
  t = await startTestServer({ wrapStore: holdingTurnEnds });
});
afterAll(() => t.close());

describe('POST /v1/sessions/{id}/stop racing the end of a turn', () => {
  it('answers stopped: false when the model had already answered, and the turn ends stop', async () => {
    const session = await t.api.createSession();
    const gate = holdNextTurnEnd();
    const turn = t.api.turn(session.id, 'finished already');
    await gate.reached;
    // Released once the stop has reached the running turn (its abort happens inside this call).
    const runner = t.pool.runner;
    const stopAnywhere = runner.stopAnywhere.bind(runner);
    let stopReachedTurn!: () => void;
    const reachedTurn = new Promise<void>((resolve) => (stopReachedTurn = resolve));
    runner.stopAnywhere = (sessionId) => {
      const answer = stopAnywhere(sessionId);
      stopReachedTurn();
      return answer;
    };
    try {
      const stop = t.api.post(`/v1/sessions/${session.id}/stop`);
      await reachedTurn;
      gate.release();
      expect((await stop).body).toEqual({ ok: true, stopped: false });
    } finally {
      runner.stopAnywhere = stopAnywhere;
    }
    expect((await turn).stopReason).toBe('stop');
    const events = (await t.api.get(`/v1/sessions/${session.id}/events`)).body.events;
    expect(events.at(-1)).toMatchObject({ type: 'turn-end', data: { stopReason: 'stop' } });
  });

  // A stop that lands while the model runs (stopped: true, the turn ends aborted) is in turns.int.test.ts.
});
