import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * `confab serve` serves the committed build (packages/studio/dist), so a change to the page's
 * sources must come with a rebuild (`npm run build:studio`). Vite names files by content, so a
 * fresh build of the sources must give the committed files exactly.
 */
const studioRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'packages', 'studio');

function filesOf(directory: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) walk(path);
      else files.set(relative(directory, path), readFileSync(path, 'utf8'));
    }
  };
  walk(directory);
  return files;
}

describe('the committed Studio build', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'confab-studio-fresh-'));
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('is what the sources build to (run npm run build:studio after changing packages/studio/app)', async () => {
    // Vitest sets NODE_ENV=test, which Vite would keep (and build React's development bundle).
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    await build({
      configFile: join(studioRoot, 'vite.config.ts'),
      root: studioRoot,
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true },
    }).finally(() => {
      process.env.NODE_ENV = nodeEnv;
    });
    const fresh = filesOf(outDir);
    const committed = filesOf(join(studioRoot, 'dist'));
    expect([...committed.keys()].sort()).toEqual([...fresh.keys()].sort());
    for (const [name, text] of fresh) expect(committed.get(name) === text, name).toBe(true);
  }, 120_000);
});
