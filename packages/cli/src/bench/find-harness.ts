import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** The name of the workspace that holds the benchmarks in a Confab source checkout. */
const BENCH_PACKAGE = '@confab/bench';

/**
 * The root of the Confab source checkout that `start` (a directory inside the CLI package) lies
 * in, when that checkout has the benchmark harness: the nearest directory above with a
 * package.json that declares workspaces, a `bench` script and a workspace named `@confab/bench`.
 * Null for an installed CLI: the walk stops at `node_modules`, so a user's own monorepo around
 * an installed CLI is never mistaken for the Confab repository.
 */
export function findBenchRoot(start: string): string | null {
  let directory = start;
  for (;;) {
    if (basename(directory) === 'node_modules') return null;
    const manifest = readManifest(join(directory, 'package.json'));
    if (manifest?.workspaces !== undefined) return hasBenchHarness(directory, manifest) ? directory : null;
    const parent = dirname(directory);
    if (parent === directory) return null;
    directory = parent;
  }
}

interface Manifest {
  name?: unknown;
  workspaces?: unknown;
  scripts?: Record<string, unknown>;
}

function hasBenchHarness(root: string, manifest: Manifest): boolean {
  if (typeof manifest.scripts?.bench !== 'string') return false;
  const workspaces = Array.isArray(manifest.workspaces)
    ? manifest.workspaces
    : ((manifest.workspaces as { packages?: unknown } | null)?.packages ?? []);
  if (!Array.isArray(workspaces)) return false;
  // Glob entries are skipped: the checkout lists its bench workspace by name.
  return workspaces.some(
    (entry) =>
      typeof entry === 'string' &&
      !entry.includes('*') &&
      readManifest(join(root, entry, 'package.json'))?.name === BENCH_PACKAGE,
  );
}

function readManifest(path: string): Manifest | null {
  if (!existsSync(path)) return null;
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as Manifest) : null;
  } catch {
    return null;
  }
}
