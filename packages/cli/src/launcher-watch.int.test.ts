import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const launcher = fileURLToPath(new URL('../bin/confab.js', import.meta.url));
const directory = mkdtempSync(join(tmpdir(), 'confab-launcher-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}

describe('the confab launcher', () => {
  it('takes the server down with it when it is killed with SIGKILL (no orphan keeps the port)', async () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('CONFAB_')));
    const child = spawn(
      process.execPath,
      [
        launcher,
        'serve',
        '--port',
        '0',
        '--store',
        `sqlite:${join(directory, 'confab.db')}`,
        '--tokens',
        'app:a-long-enough-token',
      ],
      { env: { ...env, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
    });
    const deadline = Date.now() + 20_000;
    while (!/listening on (\S+)/.test(stderr) && Date.now() < deadline) await pause(25);
    const url = stderr.match(/listening on (\S+)/)?.[1];
    if (!url) throw new Error(`confab serve did not start: ${stderr}`);
    expect(await answers(url)).toBe(true);

    child.kill('SIGKILL');
    const goneBy = Date.now() + 5000;
    while ((await answers(url)) && Date.now() < goneBy) await pause(50);
    expect(await answers(url)).toBe(false);
  });
});
