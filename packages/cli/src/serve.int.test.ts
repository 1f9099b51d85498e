import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const launcher = fileURLToPath(new URL('../bin/confab.js', import.meta.url));
const directory = mkdtempSync(join(tmpdir(), 'confab-cli-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

interface Started {
  child: ChildProcessWithoutNullStreams;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Runs the `confab` launcher as a user would, in `cwd`, with only the given CONFAB_ variables. */
function confab(args: string[], env: Record<string, string> = {}, cwd = directory): Started {
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('CONFAB_')));
  const child = spawn(process.execPath, [launcher, ...args], {
    cwd,
    env: { ...base, LOG_LEVEL: 'warn', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += String(chunk);
  });
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stderr: () => stderr, exited };
}

async function waitFor(started: Started, pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  started.exited.then(() => {
    exited = true;
  });
  for (;;) {
    const match = started.stderr().match(pattern);
    if (match) return match;
    if (exited || Date.now() > deadline) throw new Error(`no ${pattern} in: ${started.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function stop(started: Started): Promise<number | null> {
  started.child.kill('SIGTERM');
  return started.exited;
}

async function createSession(url: string, token: string) {
  const response = await fetch(`${url}/v1/sessions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: '{}',
  });
  return { status: response.status, body: (await response.json()) as { session: { id: string; appId: string } } };
}

describe('confab serve', () => {
  it('starts with defaults: SQLite under ./.confab, a printed dev token, echo; restarts without a new token', async () => {
    const first = confab(['serve', '--port', '0']);
    const [, token] = await waitFor(first, /Authorization: Bearer (\S+)/);
    const [, url] = await waitFor(first, /listening on (http:\/\/127\.0\.0\.1:\d+)/);
    expect(existsSync(join(directory, '.confab', 'confab.db'))).toBe(true);
    const created = await createSession(url as string, token as string);
    expect(created.status).toBe(201);
    expect(created.body.session.appId).toBe('default');
    const turn = await fetch(`${url}/v1/sessions/${created.body.session.id}/turns`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ input: 'hello' }),
    });
    const body = (await turn.json()) as { turn: { events: Array<{ type: string; data: { text?: string } }> } };
    expect(body.turn.events.find((event) => event.type === 'message')?.data.text).toBe('echo: hello');
    expect(await stop(first)).toBe(0);

    const second = confab(['serve'], { CONFAB_PORT: '0' });
    const [, secondUrl] = await waitFor(second, /listening on (\S+) /);
    expect(second.stderr()).toMatch(/1 token\(s\) exist/);
    expect(second.stderr()).not.toContain('Authorization: Bearer');
    expect((await createSession(secondUrl as string, token as string)).status).toBe(201);
    expect(await stop(second)).toBe(0);
  });

  it('uses CONFAB_TOKENS and a jsonl store given by flag, with no dev token', async () => {
    const cwd = mkdtempSync(join(directory, 'tokens-'));
    const started = confab(
      ['serve', '--port', '0', '--store', 'jsonl:./data'],
      {
        CONFAB_TOKENS: 'team-a:a-long-enough-secret-token',
        CONFAB_PORT: 'not-a-port',
      },
      cwd,
    );
    const [, url] = await waitFor(started, /listening on (\S+) /);
    expect(started.stderr()).not.toContain('Authorization: Bearer');
    const created = await createSession(url as string, 'a-long-enough-secret-token');
    expect(created.status).toBe(201);
    expect(created.body.session.appId).toBe('team-a');
    expect(existsSync(join(cwd, 'data'))).toBe(true);
    expect(await stop(started)).toBe(0);
  });

  it('applies the limit flags and their environment twins: an app over its stream share gets 429', async () => {
    const cwd = mkdtempSync(join(directory, 'limits-'));
    const started = confab(
      ['serve', '--port', '0', '--store', 'sqlite:./confab.db', '--max-streams-per-app', '1'],
      { CONFAB_TOKENS: 'team-a:token-of-team-a,team-b:token-of-team-b', CONFAB_SESSIONS_PER_MINUTE: '1' },
      cwd,
    );
    const [, url] = await waitFor(started, /listening on (\S+) /);
    const stream = (token: string, signal?: AbortSignal) =>
      fetch(`${url}/v1/lifecycle`, { headers: { authorization: `Bearer ${token}` }, signal });
    const held = new AbortController();
    expect((await stream('token-of-team-a', held.signal)).status).toBe(200);
    const refused = await stream('token-of-team-a');
    expect([refused.status, refused.headers.get('retry-after')]).toEqual([429, '1']);
    const other = new AbortController();
    expect((await stream('token-of-team-b', other.signal)).status).toBe(200);
    held.abort();
    other.abort();
    expect((await createSession(url as string, 'token-of-team-a')).status).toBe(201);
    expect((await createSession(url as string, 'token-of-team-a')).status).toBe(429);
    expect(await stop(started)).toBe(0);
  });

  it('serves the built Studio at /studio/ by default, and not with --no-studio or CONFAB_STUDIO=off', async () => {
    const cwd = mkdtempSync(join(directory, 'studio-'));
    const on = confab(['serve', '--port', '0'], {}, cwd);
    const [, url] = await waitFor(on, /listening on (\S+) /);
    await waitFor(on, /Studio at \S+\/studio\//);
    const page = await fetch(`${url}/studio/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<title>Confab Studio</title>');
    // The committed build's script is there too (packages/studio/dist, rebuilt with npm run build:studio).
    const script = html.match(/src="\.\/(assets\/[^"]+\.js)"/)?.[1];
    expect(script).toBeDefined();
    expect((await fetch(`${url}/studio/${script}`)).status).toBe(200);
    expect(await stop(on)).toBe(0);

    for (const [args, env] of [
      [['--no-studio'], {}],
      [[], { CONFAB_STUDIO: 'off' }],
    ] as const) {
      const off = confab(['serve', '--port', '0', ...args], env, cwd);
      const [, offUrl] = await waitFor(off, /listening on (\S+) /);
      expect((await fetch(`${offUrl}/studio/`)).status).toBe(404);
      expect(off.stderr()).not.toContain('Studio at');
      expect(await stop(off)).toBe(0);
    }
  }, 90_000);

  it('fails clearly on a bad flag or an unavailable store', async () => {
    const badPort = confab(['serve', '--port', 'abc']);
    expect(await badPort.exited).toBe(2);
    expect(badPort.stderr()).toContain('--port must be a number');
    const postgres = confab(['serve', '--port', '0', '--store', 'postgres://user:hunter2@127.0.0.1:1/confab']);
    expect(await postgres.exited).not.toBe(0);
    expect(postgres.stderr()).toMatch(/postgres/);
    expect(postgres.stderr()).not.toContain('hunter2');
  });

  it('on a busy port fails before it creates a store or prints a dev token', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as AddressInfo).port;
    const cwd = mkdtempSync(join(directory, 'busy-'));
    try {
      const started = confab(['serve', '--port', String(port)], {}, cwd);
      expect(await started.exited).toBe(1);
      expect(started.stderr()).toContain(`cannot listen on 127.0.0.1:${port}: the port is in use`);
      expect(started.stderr()).not.toContain('Authorization: Bearer');
      expect(existsSync(join(cwd, '.confab'))).toBe(false);
    } finally {
      await new Promise<void>((resolve) => busy.close(() => resolve()));
    }
  });

  it('refuses to start an openai: model without OPENAI_API_KEY, in one line, before opening a store', async () => {
    const cwd = mkdtempSync(join(directory, 'nokey-'));
    const started = confab(['serve', '--port', '0', '--model', 'openai:gpt-4o-mini'], { OPENAI_API_KEY: '' }, cwd);
    expect(await started.exited).not.toBe(0);
    const lines = started.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/openai:gpt-4o-mini needs OPENAI_API_KEY/);
    expect(existsSync(join(cwd, '.confab'))).toBe(false);
  });
});
