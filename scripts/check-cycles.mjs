// Fails when any module import cycle exists in the packages' sources (tests included), type-only
// imports counted: a cycle of types is still a cycle a reader has to untangle.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const entries = readdirSync('packages').map((name) => `packages/${name}/src`);
const result = spawnSync(
  'npx',
  [
    'dpdm',
    '--no-warning',
    '--no-tree',
    '--exit-code',
    'circular:1',
    '--transform=false',
    ...entries.map((dir) => `${dir}/**/*.ts`),
  ],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
