import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';

describe('createMetrics', () => {
  it("names prom-client's process metrics confab_process_… and confab_nodejs_…, without a doubled prefix", async () => {
    const text = await createMetrics().registry.metrics();
    expect(text).toContain('confab_process_cpu_seconds_total');
    expect(text).toContain('confab_nodejs_eventloop_lag_seconds');
    expect(text).not.toContain('confab_process_process_');
    expect(text).not.toContain('confab_process_nodejs_');
  });
});
