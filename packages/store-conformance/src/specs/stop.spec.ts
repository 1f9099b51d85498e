import { defineAgent, Runner, type SessionEvent } from 'confab';
import type { SessionStore } from 'confab/store';
import { describe, expect } from 'vitest';
import { conformanceTest, createSession, readAll } from '../fixtures.js';
import type { ConformanceContext } from '../harness.js';

/**
 * A view of `store` whose first append carrying a `turn-end` waits until `release()`: a turn held
 * after its model has finished and before its end is written, the moment a late stop races.
 */
function holdFirstTurnEnd(store: SessionStore): { store: SessionStore; reached: Promise<void>; release: () => void } {
  let arrived!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((resolve) => (arrived = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  const held = (append: (request: { events: Array<{ type: string }> }) => Promise<unknown>) => {
    return async (request: { events: Array<{ type: string }> }) => {
      if (request.events.some((event) => event.type === 'turn-end')) {
        arrived();
        await released;
      }
      return append(request);
    };
  };
  const view = new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const bound = value.bind(target);
      return property === 'appendEvents' || property === 'appendFolded' ? held(bound) : bound;
    },
  });
  return { store: view, reached, release };
}

function lastTurnEnd(events: SessionEvent[]) {
  const turnEnd = events.findLast((event) => event.type === 'turn-end');
  return turnEnd?.type === 'turn-end' ? turnEnd.data.stopReason : null;
}

/** A stop's answer agrees with the `turn-end` the turn then writes (DESIGN §6), on this store. */
export function stopSpec(context: ConformanceContext): void {
  describe('stop', () => {
    const withRunner = async (store: SessionStore, body: (runner: Runner) => Promise<void>) => {
      const runner = new Runner({ store, logic: defineAgent({ model: 'echo' }) });
      try {
        await body(runner);
      } finally {
        await runner.close();
      }
    };

    conformanceTest(
      context,
      'a stop after the final answer, before the turn-end is written, answers false',
      async () => {
        const gate = holdFirstTurnEnd(context.store);
        const session = await createSession(context.store);
        await withRunner(gate.store, async (runner) => {
          const handle = runner.run(session.id, 'finished already');
          await gate.reached;
          const stopped = runner.stopAnywhere(session.id);
          gate.release();
          expect(await stopped).toBe(false);
          expect((await handle.result).stopReason).toBe('stop');
          expect(lastTurnEnd(await readAll(context.store, session.id))).toBe('stop');
        });
      },
    );

    conformanceTest(context, 'a stop while the model runs answers true and the turn ends aborted', async () => {
      const session = await createSession(context.store);
      await withRunner(context.store, async (runner) => {
        const handle = runner.run(session.id, '/sleep 60000 never finishes');
        await handle.started;
        expect(await runner.stopAnywhere(session.id)).toBe(true);
        expect((await handle.result).stopReason).toBe('aborted');
        expect(lastTurnEnd(await readAll(context.store, session.id))).toBe('aborted');
        expect(await runner.stopAnywhere(session.id)).toBe(false);
      });
    });
  });
}
