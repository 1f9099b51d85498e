import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

describe('browser bundle', () => {
  it('bundles for the browser without Node built-ins, server or driver code', async () => {
    const result = await build({
      entryPoints: [fileURLToPath(new URL('./index.ts', import.meta.url))],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      target: 'es2022',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    const code = result.outputFiles[0]!.text;
    expect(code).not.toMatch(/\bfrom\s*["']node:/);
    expect(code).not.toMatch(/\bimport\s*\(\s*["']node:/);
    expect(code).not.toMatch(/\brequire\s*\(/);
    expect(code).not.toMatch(/better-sqlite3|["']pg["']|hono/);

    const inputs = Object.keys(result.metafile.inputs);
    const forbidden =
      /packages\/(core|server|sqlite|postgres|jsonl|cli)\/|better-sqlite3|node_modules\/(pg|hono|@hono|zod|gpt-tokenizer|@ai-sdk|pino)\//;
    expect(inputs.filter((input) => forbidden.test(input))).toEqual([]);
    expect(inputs.some((input) => input.includes('eventsource-parser'))).toBe(true);
    // Small enough to ship to a browser without a second thought.
    expect(code.length).toBeLessThan(80_000);
  });
});
