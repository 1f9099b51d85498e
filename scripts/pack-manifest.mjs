#!/usr/bin/env node
// Run by each published package's `prepack` and `postpack` (cwd: the package). `strip` rewrites
// package.json for the tarball: the `confab-source` export condition (which points the monorepo's
// own tools at src/, absent from the tarball) and the pack scripts themselves are removed; the
// original is kept beside it and put back by `restore`. The tarball then names only what it ships.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

const manifestPath = 'package.json';
const originalPath = '.package.json.unpacked';
const mode = process.argv[2];

/** `exports` without the source condition, at any depth. */
function withoutSourceCondition(value) {
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== 'confab-source')
      .map(([key, inner]) => [key, withoutSourceCondition(inner)]),
  );
}

if (mode === 'strip') {
  // A pack that failed before its postpack left the original beside the stripped copy: keep it.
  if (!existsSync(originalPath)) writeFileSync(originalPath, readFileSync(manifestPath));
  const manifest = JSON.parse(readFileSync(originalPath, 'utf8'));
  manifest.exports = withoutSourceCondition(manifest.exports);
  delete manifest.devDependencies;
  if (manifest.scripts) {
    delete manifest.scripts.prepack;
    delete manifest.scripts.postpack;
    if (Object.keys(manifest.scripts).length === 0) delete manifest.scripts;
  }
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
} else if (mode === 'restore') {
  if (existsSync(originalPath)) renameSync(originalPath, manifestPath);
} else {
  console.error('usage: pack-manifest.mjs strip|restore');
  process.exit(2);
}
