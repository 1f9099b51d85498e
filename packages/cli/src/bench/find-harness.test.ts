import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { findBenchRoot } from './find-harness.js';

const directory = mkdtempSync(join(tmpdir(), 'confab-bench-root-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function writeJson(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(value));
}

describe('findBenchRoot', () => {
  it('finds this checkout from the CLI sources', () => {
    const root = findBenchRoot(dirname(fileURLToPath(import.meta.url)));
    expect(root).toBe(fileURLToPath(new URL('../../../..', import.meta.url)).replace(/\/$/, ''));
  });

  it('finds none for an installed CLI or a monorepo without the bench workspace', () => {
    const project = join(directory, 'project');
    writeJson(join(project, 'package.json'), { workspaces: ['bench'], scripts: { bench: 'x' } });
    writeJson(join(project, 'bench', 'package.json'), { name: '@confab/bench' });
    const installed = join(project, 'node_modules', '@confab', 'cli', 'src', 'commands');
    mkdirSync(installed, { recursive: true });
    expect(findBenchRoot(installed)).toBeNull();
    expect(findBenchRoot(join(project, 'bench'))).toBe(project);

    const other = join(directory, 'other');
    writeJson(join(other, 'package.json'), { workspaces: ['packages/a'], scripts: { bench: 'x' } });
    mkdirSync(join(other, 'packages', 'a'), { recursive: true });
    expect(findBenchRoot(join(other, 'packages', 'a'))).toBeNull();
  });
});
