#!/usr/bin/env node
// The `confab` launcher. A built package (every published one) runs dist/ directly; a source
// checkout (no dist/, as after `npm ci` on a fresh clone) runs the TypeScript entry through tsx, a
// dev dependency of the workspace, never of the package, with the `confab-source` condition, so
// workspace packages resolve to their src/.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/bin.js', import.meta.url);
if (existsSync(fileURLToPath(built))) {
  await import(built.href);
} else {
  const entry = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
  const tsx = import.meta.resolve('tsx/esm');
  const child = spawn(
    process.execPath,
    [...process.execArgv, '--import', tsx, '--conditions=confab-source', entry, ...process.argv.slice(2)],
    // The child watches this pid and ends itself when the launcher dies by a signal it cannot forward (SIGKILL).
    { stdio: 'inherit', env: { ...process.env, CONFAB_LAUNCHER_PID: String(process.pid) } },
  );
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('exit', (code, signal) => {
    process.exit(code ?? (signal ? 128 + (signal === 'SIGKILL' ? 9 : 15) : 1));
  });
}
