import { MemoryStore } from 'confab';
import { describe, expect } from 'vitest';
import { conformanceTest } from '../fixtures.js';
import type { ConformanceContext } from '../harness.js';
import { parityClock, runParityScript } from '../parity-script.js';

/** Same script, same frozen clock: every outcome must equal the reference adapter's. */
export function paritySpec(context: ConformanceContext): void {
  describe('parity', () => {
    conformanceTest(context, 'every step of an edge-case script ends as it does on MemoryStore', async () => {
      const expected = await runParityScript(new MemoryStore(parityClock));
      const store = await context.options.createStore({ now: parityClock });
      try {
        expect(await runParityScript(store)).toBe(expected);
      } finally {
        await context.options.destroyStore?.(store);
      }
    });
  });
}
