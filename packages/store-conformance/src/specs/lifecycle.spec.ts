import { describe, expect } from 'vitest';
import { conformanceTest, expectCode } from '../fixtures.js';
import type { ConformanceContext } from '../harness.js';

/** Migrations and closing the store. */
export function lifecycleSpec(context: ConformanceContext): void {
  describe('store lifecycle', () => {
    conformanceTest(context, 'migrations are recorded and safe to re-run, also concurrently', async () => {
      const version = await context.store.schemaVersion();
      expect(version).toBeGreaterThanOrEqual(1);
      const again = await Promise.all([context.store.migrate(), context.store.migrate()]);
      expect(again.map((result) => result.version)).toEqual([version, version]);
      expect(await context.store.schemaVersion()).toBe(version);
      expect(context.store.specificationVersion).toBe('v3');
      expect(context.store.kind).toMatch(/\w+/);
    });

    conformanceTest(context, 'a closed store refuses work with unavailable', async () => {
      await context.store.close();
      await expectCode(context.store.createSession({ appId: 'app_a' }), 'unavailable');
      await expectCode(context.store.getSession('ses_any'), 'unavailable');
      await expectCode(context.store.schemaVersion(), 'unavailable');
    });
  });
}
