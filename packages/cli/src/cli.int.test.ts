/**
 * The client and token commands against one `confab serve` child process. The contract's paths
 * (chat, sessions ls and export, token create and revoke, an unreachable server) run the real
 * launcher in a child process; the other cases run the same commands in-process, which is faster.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConfab, type StartedServer, spawnConfab, startServe, unusedPort } from './test-support/cli-process.js';
import { runInProcess } from './test-support/in-process.js';

const directory = mkdtempSync(join(tmpdir(), 'confab-cli-client-'));
const store = ['--store', 'sqlite:./server.db'];
let server: StartedServer;
let connection: Record<string, string>;

beforeAll(async () => {
  server = await startServe(store, directory);
  connection = { CONFAB_URL: server.url, CONFAB_TOKEN: server.token };
});

afterAll(async () => {
  await server?.stop();
  rmSync(directory, { recursive: true, force: true });
});

interface WireEvent {
  seq: number;
  sessionId: string;
  type: string;
}

async function listStatus(token: string): Promise<number> {
  const response = await fetch(`${server.url}/v1/sessions`, { headers: { authorization: `Bearer ${token}` } });
  await response.body?.cancel();
  return response.status;
}

describe('confab chat and sessions (child processes)', () => {
  let sessionId = '';

  it('chat with piped input streams the echo reply and exits 0 at the end of input', async () => {
    const chat = await runConfab(['chat'], { cwd: directory, env: connection, input: 'hello\n' });
    expect(chat.stderr).toMatch(/new session ses_/);
    expect(chat.stdout).toContain('echo: hello');
    expect(chat.code).toBe(0);
    sessionId = /new session (ses_\w+)/.exec(chat.stderr)?.[1] ?? '';
  });

  it('chat whose reader goes away (| head -1) exits quietly with 0, without an EPIPE stack trace', async () => {
    const chat = spawnConfab(['chat'], { cwd: directory, env: connection });
    chat.input('first\n');
    const firstLine = await chat.firstStdoutLine();
    expect(firstLine).toContain('echo: first');
    // As `head -1` does after its line: the reading end of the pipe is closed, and then more replies come.
    chat.closeStdout();
    chat.input('second\nthird\n');
    chat.endInput();
    const finished = await chat.finished;
    expect(finished.stderr).not.toContain('EPIPE');
    expect(finished.stderr).not.toContain('    at ');
    expect(finished.code).toBe(0);
  });

  it('sessions ls --json lists the chat session; sessions export prints its events as JSONL', async () => {
    const [listed, exported] = await Promise.all([
      runConfab(['sessions', 'ls', '--json'], { cwd: directory, env: connection }),
      runConfab(['sessions', 'export', sessionId], { cwd: directory, env: connection }),
    ]);
    expect(listed.code).toBe(0);
    const sessions = JSON.parse(listed.stdout) as Array<{ id: string; title: string | null; turnCount: number }>;
    expect(sessions).toContainEqual(expect.objectContaining({ id: sessionId, title: 'hello', turnCount: 1 }));
    const [searched, missed, forks] = await Promise.all([
      runConfab(['sessions', 'ls', '--json', '--search', 'HELL'], { cwd: directory, env: connection }),
      runConfab(['sessions', 'ls', '--json', '--search', 'no such title'], { cwd: directory, env: connection }),
      runConfab(['sessions', 'ls', '--json', '--parent', sessionId], { cwd: directory, env: connection }),
    ]);
    expect((JSON.parse(searched.stdout) as Array<{ id: string }>).map((session) => session.id)).toContain(sessionId);
    expect(JSON.parse(missed.stdout)).toEqual([]);
    expect(JSON.parse(forks.stdout)).toEqual([]);

    expect(exported.code).toBe(0);
    const events = exported.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as WireEvent);
    expect(events[0]?.type).toBe('turn-start');
    expect(events.at(-1)?.type).toBe('turn-end');
    expect(events.every((event) => event.sessionId === sessionId)).toBe(true);
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
  });

  it('says clearly, with exit code 2, when no server runs at the URL', async () => {
    const url = `http://127.0.0.1:${await unusedPort()}`;
    const env = { CONFAB_URL: url, CONFAB_TOKEN: 'any-token' };
    const [child, chat] = await Promise.all([
      runConfab(['sessions', 'ls'], { cwd: directory, env }),
      runInProcess(['chat'], { cwd: directory, env, input: 'hello\n' }),
    ]);
    for (const run of [child, chat]) {
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(
        `cannot reach the Confab server at ${url} — is \`confab serve\` running? (connection refused)`,
      );
      expect(run.stderr).not.toContain('    at ');
    }
  });
});

describe('confab token (child processes, on the server’s store)', () => {
  it('creates a token the server accepts and revokes it (then 401)', async () => {
    const created = await runConfab(['token', 'create', '--app', 'team-a', '--label', 'ci', ...store], {
      cwd: directory,
    });
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^\S{32,}$/);
    expect(created.stderr).toContain(`created app "team-a" in sqlite:${join(directory, 'server.db')}`);
    expect(created.stderr).toMatch(
      new RegExp(`created token tok_\\w+ for app "team-a" in sqlite:${join(directory, 'server.db')}\\.`),
    );
    expect(await listStatus(token)).toBe(200);

    const listed = await runInProcess(['token', 'ls', '--json'], {
      cwd: directory,
      env: { CONFAB_STORE: 'sqlite:./server.db' },
    });
    expect(listed.stdout).not.toContain('tokenHash');
    expect(listed.stdout).not.toContain(token);
    const tokens = JSON.parse(listed.stdout) as Array<{ id: string; appId: string; label: string | null }>;
    const ours = tokens.find((entry) => entry.label === 'ci');
    expect(ours?.appId).toBe('team-a');

    const revoked = await runConfab(['token', 'revoke', ours?.id ?? '', ...store], { cwd: directory });
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`revoked token ${ours?.id}`);
    expect(await listStatus(token)).toBe(401);

    const refused = await runInProcess(['sessions', 'ls'], {
      cwd: directory,
      env: { CONFAB_URL: server.url, CONFAB_TOKEN: token },
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('refused the token (401 unauthenticated)');
    const unknown = await runInProcess(['token', 'revoke', 'tok_unknown', ...store], { cwd: directory });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('there is no token tok_unknown');
  });
});

describe('confab sessions and chat (in-process)', () => {
  it('shows, exports to a file, forks and removes a session', async () => {
    const chat = await runInProcess(['chat'], { cwd: directory, env: connection, input: 'first\n/history\n' });
    expect(chat.stdout).toContain('echo: first');
    expect(chat.stdout).toContain('you: first\nassistant: echo: first');
    const sessionId = /new session (ses_\w+)/.exec(chat.stderr)?.[1] ?? '';

    const shown = await runInProcess(['sessions', 'show', sessionId, '--json', '--events', '2'], {
      cwd: directory,
      env: connection,
    });
    const detail = JSON.parse(shown.stdout) as { session: { id: string }; events: WireEvent[] };
    expect(detail.session.id).toBe(sessionId);
    expect(detail.events.map((event) => event.type)).toEqual(['message', 'turn-end']);

    const exported = await runInProcess(['sessions', 'export', sessionId, '--out', 'events.jsonl'], {
      cwd: directory,
      env: connection,
    });
    expect(exported.code).toBe(0);
    expect(exported.stdout).toBe('');
    expect(readFileSync(join(directory, 'events.jsonl'), 'utf8')).toContain('"type":"turn-end"');

    const forked = await runInProcess(['sessions', 'fork', sessionId], { cwd: directory, env: connection });
    const forkId = forked.stdout.trim();
    expect(forkId).toMatch(/^ses_\w+$/);
    expect(forkId).not.toBe(sessionId);

    const closed = await runInProcess(['sessions', 'rm', forkId, '--json'], { cwd: directory, env: connection });
    expect(JSON.parse(closed.stdout)).toEqual({ ok: true, alreadyClosed: false });
    const closedChat = await runInProcess(['chat', forkId], { cwd: directory, env: connection, input: 'again\n' });
    expect(closedChat.code).toBe(1);
    expect(closedChat.stderr).toContain(`session ${forkId} is closed (410)`);
    expect(closedChat.stderr).toContain('1 turn(s) failed');

    const erased = await runInProcess(['sessions', 'rm', forkId, '--hard'], { cwd: directory, env: connection });
    expect(erased.stdout).toContain(`erased session ${forkId}`);

    const missing = await runInProcess(['sessions', 'show', forkId], { cwd: directory, env: connection });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`session ${forkId} was not found`);
  });

  it('chat answers a client tool call with the next input line and treats /sleep as a message', async () => {
    const chat = await runInProcess(['chat', '--client-tool', 'lookup'], {
      cwd: directory,
      env: connection,
      input: '/tool lookup {"q":1}\n{"items":[1]}\n/sleep 1 awake\n',
    });
    expect(chat.stdout).toContain('[tool call] lookup {"q":1} (runs in this client)');
    expect(chat.stdout).toContain('[tool result] lookup → {"items":[1]}');
    expect(chat.stdout).toContain('echo: {"items":[1]}');
    expect(chat.stdout).toContain('echo: awake');
    expect(chat.code).toBe(0);
  });
});
