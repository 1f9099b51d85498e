/**
 * Revocation across processes: two `confab serve` processes share one store (a SQLite file, then a
 * fresh PostgreSQL database). A token of app `team` holds, on each server, a session `/events`
 * tail, a `/lifecycle` stream and a streamed `/sleep` turn; a second token of the same app holds
 * tails too. `confab token revoke` (a third process, writing the store directly) revokes the first
 * token while both servers run. Every stream of the revoked token must end on both servers (the
 * time from the revoke command's exit to the last stream's end is printed), the revoked token is
 * refused with 401 everywhere, its turns run to their end, and the other token's tails go on
 * receiving new events.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../packages/postgres/src/test-fixtures/test-database.js';
import { ApiClient, eventually, type Loose } from '../packages/server/src/test-support/harness.js';
import { SseReader } from '../packages/server/src/test-support/sse-reader.js';
import { type CrashServer, startCrashServer } from './support/crash-server.js';

const launcher = fileURLToPath(new URL('../packages/cli/bin/confab.js', import.meta.url));
const directory = mkdtempSync(join(tmpdir(), 'confab-revocation-'));
const KEEP_TOKEN = 'team-token-that-stays-valid';
const databases: TestDatabase[] = [];
const servers: CrashServer[] = [];

afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  for (const database of databases) await database.drop();
  rmSync(directory, { recursive: true, force: true });
});

/** Runs a `confab` command to its end; resolves with its stdout, rejects on a non-zero exit. */
function confab(args: string[]): Promise<string> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('CONFAB_')));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [launcher, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += String(chunk);
    });
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
    });
    child.on('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`confab ${args[0]}: ${stderr}`))));
  });
}

const sse = { accept: 'text/event-stream' };

async function checkRevocation(store: string): Promise<Record<string, unknown>> {
  const started = await Promise.all(
    [1, 2].map(() =>
      startCrashServer({ filename: '', store, tokens: `team:${KEEP_TOKEN}`, leaseTtlMs: 5000, startTimeoutMs: 60_000 }),
    ),
  );
  servers.push(...started);
  const created = JSON.parse(await confab(['token', 'create', '--app', 'team', '--json', '--store', store]));
  const doomed = started.map((server) => new ApiClient(server.url, created.token));
  const keep = started.map((server) => new ApiClient(server.url, KEEP_TOKEN));

  const doomedStreams: SseReader[] = [];
  const survivors: Array<{ reader: SseReader; sessionId: string; api: ApiClient }> = [];
  for (const [index, api] of doomed.entries()) {
    const session = await keep[index]!.createSession();
    doomedStreams.push(new SseReader(await api.fetch('GET', `/v1/sessions/${session.id}/events`, { headers: sse })));
    doomedStreams.push(new SseReader(await api.fetch('GET', '/v1/lifecycle')));
    const sleeper = await keep[index]!.createSession();
    const turn = new SseReader(
      await api.fetch('POST', `/v1/sessions/${sleeper.id}/turns`, {
        body: { input: '/sleep 4000 revoked' },
        headers: sse,
      }),
    );
    await turn.until((frame) => frame.event === 'turn-start');
    doomedStreams.push(turn);
    // The other server tails this server's session: revocation must not touch it.
    const other = keep[1 - index]!;
    survivors.push({
      reader: new SseReader(await other.fetch('GET', `/v1/sessions/${session.id}/events`, { headers: sse })),
      sessionId: session.id,
      api: keep[index]!,
    });
  }
  expect(doomedStreams.map((reader) => reader.response.status)).toEqual([200, 200, 200, 200, 200, 200]);

  // The command's own start-up takes most of a second: the revocation commits near its end.
  const endedAt = doomedStreams.map((reader) => reader.done.then(() => Date.now()));
  const commandStartedAt = Date.now();
  await confab(['token', 'revoke', created.id, '--store', store]);
  const revokedAt = Date.now();
  const slowest = Math.max(...(await Promise.all(endedAt))) - revokedAt;

  for (const api of doomed) expect((await api.get('/v1/sessions')).status).toBe(401);
  for (const survivor of survivors) {
    await survivor.api.turn(survivor.sessionId, 'after the revocation');
    const frames = await survivor.reader.until((frame) => frame.event === 'turn-end', 30_000);
    expect(frames.some((frame) => frame.event === 'message')).toBe(true);
    survivor.reader.response.body?.cancel().catch(() => undefined);
  }
  // The revoked token's turns were not stopped: only their streams ended.
  const sessions = (await keep[0]!.get('/v1/sessions?limit=200')).body.sessions as Loose[];
  await eventually(async () => {
    const listed = (await keep[0]!.get('/v1/sessions?limit=200')).body.sessions as Loose[];
    return listed.filter((session) => session.turnCount >= 1).length === sessions.length;
  }, 30_000);
  await Promise.all(started.map((server) => server.stop()));
  servers.splice(0);
  return {
    streamsEnded: doomedStreams.length,
    revokeCommandMs: revokedAt - commandStartedAt,
    slowestEndAfterRevokeMs: slowest,
  };
}

describe('revocation across two server processes', () => {
  it('ends the revoked token’s streams on both servers of a shared SQLite file and of PostgreSQL', async () => {
    const sqlite = await checkRevocation(`sqlite:${join(directory, 'confab.db')}`);
    const database = await createTestDatabase();
    databases.push(database);
    const postgres = await checkRevocation(database.url);
    console.log(`revocation: ${JSON.stringify({ sqlite, postgres })}`);
    // Looked up every 500 ms: each stream ends well within the bound (a loaded machine adds delay).
    expect(sqlite.slowestEndAfterRevokeMs).toBeLessThan(5000);
    expect(postgres.slowestEndAfterRevokeMs).toBeLessThan(5000);
  });
});
