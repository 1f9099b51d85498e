/**
 * DESIGN §5 and @confab/postgres's failure contract, across processes: when PostgreSQL ends every
 * connection of both servers (pg_terminate_backend) in the middle of a load of turns, an answered
 * turn is complete in the log, a failed request says 503 `unavailable`, and both servers go on
 * serving turns without a restart.
 */
import type { SessionEvent } from 'confab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, Api, poll, sleep } from './support/api.js';
import { splitTurns } from './support/event-log.js';
import { createTestDatabase, type TestDatabase } from './support/postgres-database.js';
import { killAllServers, type ServeProcess, startServers } from './support/serve-process.js';

const WORKERS = 8;
const TERMINATIONS = 3;

let database: TestDatabase;
let servers: ServeProcess[];
let apis: [Api, Api];

beforeAll(async () => {
  database = await createTestDatabase();
  servers = await startServers(2, database.url);
  apis = servers.map((server) => new Api(server.url, server.token)) as [Api, Api];
}, 60_000);

afterAll(async () => {
  await killAllServers();
  await database?.drop();
});

/** One turn request of the load and how it ended. */
interface Attempt {
  sessionId: string;
  server: 0 | 1;
  answer: Answer | null;
  /** Set when the request itself failed (no HTTP answer at all). */
  failure: string | null;
}

describe('pg_terminate_backend of every connection during a load of turns from both servers', () => {
  it('keeps answered turns complete, fails the rest with 503, and recovers without a restart', async () => {
    const sessions = await Promise.all(
      Array.from({ length: WORKERS }, (_, index) => apis[(index % 2) as 0 | 1].createSession()),
    );
    const attempts: Attempt[] = [];
    let running = true;
    // Each worker alternates servers turn by turn, so every session's lease moves between processes.
    const workers = sessions.map(async (sessionId, worker) => {
      for (let turn = 0; running; turn++) {
        const server = ((worker + turn) % 2) as 0 | 1;
        const attempt: Attempt = { sessionId, server, answer: null, failure: null };
        try {
          attempt.answer = await apis[server].request('POST', `/v1/sessions/${sessionId}/turns`, {
            input: `worker ${worker} turn ${turn}`,
          });
        } catch (error) {
          attempt.failure = error instanceof Error ? error.message : String(error);
        }
        attempts.push(attempt);
      }
    });

    const answered = () => attempts.filter((attempt) => attempt.answer?.status === 200).length;
    await poll('40 answered turns before the first termination', async () => (answered() >= 40 ? true : undefined));
    let terminated = 0;
    for (let round = 0; round < TERMINATIONS; round++) {
      terminated += await database.terminateBackends();
      await sleep(250);
    }
    const answeredAtLastTermination = answered();
    // Keep the load on until turns succeed again, so the recovery happens under load too.
    const deadline = Date.now() + 20_000;
    while (answered() < answeredAtLastTermination + 20 && Date.now() < deadline) await sleep(20);
    running = false;
    await Promise.all(workers);

    expect(terminated).toBeGreaterThan(0);
    expect(attempts.filter((attempt) => attempt.failure !== null)).toEqual([]);
    const unexpected = attempts.filter(
      (attempt) =>
        attempt.answer?.status !== 200 &&
        !(attempt.answer?.status === 503 && attempt.answer.body?.error?.code === 'unavailable'),
    );
    // With the server's log lines of the request, to tell what went wrong.
    expect(
      unexpected.map((attempt) => ({
        answer: attempt.answer,
        log: logLinesOf(servers[attempt.server] as ServeProcess, attempt.answer?.body?.error?.requestId),
      })),
    ).toEqual([]);
    expect(answered()).toBeGreaterThanOrEqual(answeredAtLastTermination + 20);

    // Both servers serve every session again, each turn closing whatever a failure left open.
    for (const sessionId of sessions) {
      for (const api of apis) expect((await api.turn(sessionId, 'after the terminations')).stopReason).toBe('stop');
    }
    for (const api of apis) {
      const fresh = await api.createSession();
      expect((await api.turn(fresh, 'a new session')).stopReason).toBe('stop');
    }

    const logs = new Map<string, SessionEvent[]>();
    for (const sessionId of sessions) logs.set(sessionId, await apis[0].events(sessionId));
    for (const attempt of attempts) {
      if (attempt.answer?.status !== 200) continue;
      const turn = attempt.answer.body.turn;
      const log = logs.get(attempt.sessionId) as SessionEvent[];
      const first = turn.events[0].seq as number;
      // Every event the answer listed is in the log, from its turn-start to its turn-end.
      expect(log.slice(first - 1, first - 1 + turn.events.length)).toEqual(turn.events);
      expect(turn.events[0].type).toBe('turn-start');
      expect(turn.events.at(-1).type).toBe('turn-end');
      // A write that failed inside the model step ends the turn itself with "error", and says why.
      if (turn.stopReason !== 'stop') {
        expect(turn.stopReason).toBe('error');
        expect(turn.events.some((event: SessionEvent) => event.type === 'error')).toBe(true);
      }
    }
    for (const [sessionId, log] of logs) {
      // Well formed, every turn closed: a turn a failure cut off was closed with "error".
      const turns = splitTurns(log);
      expect(
        turns.every((turn) => turn.end !== null),
        sessionId,
      ).toBe(true);
      for (const turn of turns) expect(['stop', 'error']).toContain(turn.end?.data.stopReason);
    }
  }, 90_000);
});

/** The lines of the server's output that mention `requestId`. */
function logLinesOf(server: ServeProcess, requestId: string | undefined): string[] {
  if (!requestId) return [];
  return server
    .output()
    .split('\n')
    .filter((line) => line.includes(requestId));
}
