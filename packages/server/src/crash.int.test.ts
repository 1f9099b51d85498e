import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newSecret } from 'confab';
import { afterAll, describe, expect, it } from 'vitest';
import { type Child, spawnTypeScript } from './test-support/child-process.js';
import { ApiClient, type Loose, sleep } from './test-support/harness.js';

const script = fileURLToPath(new URL('./test-support/server-child.ts', import.meta.url));
const directory = mkdtempSync(join(tmpdir(), 'confab-server-crash-'));
const filename = join(directory, 'confab.db');
const token = newSecret(32);

afterAll(() => rmSync(directory, { recursive: true, force: true }));

async function start(): Promise<{ child: Child; api: ApiClient }> {
  const child = spawnTypeScript(script, [filename, token]);
  const [, url] = await child.waitForLine(/^listening (\S+)$/);
  return { child, api: new ApiClient(url as string, token) };
}

interface Answered {
  sessionId: string;
  turn: Loose;
}

/** Creates a session and runs turns on it until the server dies; records every answered turn. */
async function worker(api: ApiClient, id: number, answered: Answered[], sessions: string[]): Promise<void> {
  let session: Loose;
  try {
    session = await api.createSession({ clientSessionId: `worker-${id}` });
  } catch {
    return;
  }
  sessions.push(session.id);
  for (let index = 0; ; index++) {
    try {
      const answer = await api.post(`/v1/sessions/${session.id}/turns`, { input: `worker ${id} turn ${index}` });
      if (answer.status !== 200) return;
      answered.push({ sessionId: session.id, turn: answer.body.turn });
    } catch {
      return; // The server is gone.
    }
  }
}

describe('kill -9 of the server process under load', () => {
  it('keeps every answered turn, complete, after a restart on the same file', async () => {
    const first = await start();
    const answered: Answered[] = [];
    const sessions: string[] = [];
    const workers = Array.from({ length: 6 }, (_, id) => worker(first.api, id, answered, sessions));
    const deadline = Date.now() + 10_000;
    while (answered.length < 40 && Date.now() < deadline) await sleep(20);
    await sleep(Math.random() * 50);
    first.child.process.kill('SIGKILL');
    await first.child.exited;
    await Promise.all(workers);
    expect(answered.length).toBeGreaterThanOrEqual(40);

    const second = await start();
    try {
      for (const { sessionId, turn } of answered) {
        const startSeq = turn.events[0].seq;
        const page = await second.api.get(
          `/v1/sessions/${sessionId}/events?after=${startSeq - 1}&limit=${turn.events.length}`,
        );
        expect(page.status).toBe(200);
        expect(page.body.events).toEqual(turn.events);
        expect(turn.events.at(-1).type).toBe('turn-end');
        expect(turn.events.at(-1).data.stopReason).toBe('stop');
      }
      // Every session works again; a turn the crash cut off is closed first, with stopReason error.
      for (const sessionId of sessions) {
        const after = await second.api.turn(sessionId, 'after the crash');
        expect(after.stopReason).toBe('stop');
        const events = (await second.api.get(`/v1/sessions/${sessionId}/events?limit=1000`)).body.events as Loose[];
        const starts = events.filter((event) => event.type === 'turn-start').length;
        const ends = events.filter((event) => event.type === 'turn-end').map((event) => event.turn);
        expect(new Set(ends).size).toBe(starts);
        const session = (await second.api.get(`/v1/sessions/${sessionId}`)).body.session;
        expect(session.turnCount).toBe(starts);
      }
    } finally {
      second.child.process.kill('SIGTERM');
      await second.child.exited;
    }
  });
});
