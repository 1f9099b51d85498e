/**
 * A PostgreSQL restart under load, with the real components (issue 15, faults (a)): two
 * `confab serve` processes on a throwaway cluster (initdb + pg_ctl on a free port, never the shared
 * server) answer turns from six clients while the cluster is stopped and started again. Every
 * answer is 200 or 503 (a retry with the same `Idempotency-Key` then replays or runs the turn),
 * every acknowledged turn is in the log event for event, no event appears twice, and both servers
 * serve again without being restarted.
 */
import type { SessionEvent } from 'confab';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, sleep } from './support/api.js';
import { killAllServers, startServers } from './support/serve-process.js';
import { createThrowawayCluster, findPostgresBinaries, type ThrowawayCluster } from './support/throwaway-cluster.js';

const bin = findPostgresBinaries();
const missing = bin === null ? 'PostgreSQL server binaries (initdb, pg_ctl) are not installed' : null;

describe.skipIf(missing !== null)(`a PostgreSQL restart under load (${missing ?? 'throwaway cluster'})`, () => {
  let cluster: ThrowawayCluster;
  let apis: Api[];

  beforeAll(async () => {
    cluster = await createThrowawayCluster(bin as string);
    const admin = new pg.Client({ connectionString: cluster.url() });
    await admin.connect();
    await admin.query('CREATE DATABASE confab');
    await admin.end();
    // One app drives the whole load: its per-minute turn rate (600 by default) is lifted, or a
    // quick machine's clients would be refused 429 instead of testing the restart.
    const servers = await startServers(2, cluster.url('confab'), undefined, { CONFAB_TURNS_PER_MINUTE: '0' });
    apis = servers.map((server) => new Api(server.url, server.token));
  }, 60_000);

  afterAll(async () => {
    await killAllServers();
    cluster?.remove();
  });

  it('keeps every acknowledged turn and recovers every server unattended', async () => {
    const clients = 6;
    const sessions = await Promise.all(
      Array.from({ length: clients }, (_, index) => (apis[index % 2] as Api).createSession()),
    );
    const acknowledged = new Map<string, SessionEvent[][]>(sessions.map((id) => [id, []]));
    const statuses = new Map<number, number>();
    const unexpected: string[] = [];
    let restarted = false;
    const afterRestart = new Array<number>(clients).fill(0);
    let stopping = false;

    const client = async (index: number) => {
      const sessionId = sessions[index] as string;
      for (let turn = 0; !stopping; turn++) {
        const key = `client-${index}-turn-${turn}`;
        // The same turn, with its key, until it is answered: a 503 leaves no doubt to resolve by hand.
        for (let attempt = 0; !stopping || attempt === 0; attempt++) {
          const api = apis[(index + attempt) % 2] as Api;
          let status = 0;
          let body: { turn?: { events: SessionEvent[] }; error?: { code: string } } | undefined;
          try {
            ({ status, body } = await api.request(
              'POST',
              `/v1/sessions/${sessionId}/turns`,
              { input: `turn ${turn} of client ${index}` },
              { 'idempotency-key': key },
            ));
          } catch (error) {
            unexpected.push(`fetch failed: ${String(error)}`);
            break;
          }
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          if (status === 200 && body?.turn) {
            acknowledged.get(sessionId)?.push(body.turn.events);
            if (restarted) afterRestart[index] = (afterRestart[index] ?? 0) + 1;
            break;
          }
          if (status !== 503 && status !== 409) unexpected.push(`${status} ${JSON.stringify(body)}`);
          await sleep(100);
        }
      }
    };

    const load = Promise.all(Array.from({ length: clients }, (_, index) => client(index)));
    await sleep(2000);
    cluster.stop('fast');
    await sleep(1500);
    cluster.start();
    restarted = true;
    const deadline = Date.now() + 30_000;
    while (afterRestart.some((count) => count < 3) && Date.now() < deadline) await sleep(100);
    stopping = true;
    await load;

    console.log(
      `postgres restart: answers ${JSON.stringify(Object.fromEntries(statuses))}, after restart ${afterRestart}`,
    );
    expect(unexpected).toEqual([]);
    expect(afterRestart.every((count) => count >= 3)).toBe(true);
    expect(statuses.get(503) ?? 0).toBeGreaterThan(0);

    for (const sessionId of sessions) {
      const log = await (apis[0] as Api).events(sessionId);
      expect(log.map((event) => event.seq)).toEqual(log.map((_, index) => index + 1));
      const bySeq = new Map(log.map((event) => [event.seq, event]));
      for (const events of acknowledged.get(sessionId) ?? []) {
        for (const event of events) expect(bySeq.get(event.seq)).toEqual(event);
      }
      const perTurn = new Map<number, SessionEvent[]>();
      for (const event of log) perTurn.set(event.turn, [...(perTurn.get(event.turn) ?? []), event]);
      for (const [turn, events] of perTurn) {
        const count = (type: string) => events.filter((event) => event.type === type).length;
        expect({ turn, starts: count('turn-start'), ends: count('turn-end') }).toEqual({ turn, starts: 1, ends: 1 });
        expect(count('error'), JSON.stringify(events)).toBeLessThanOrEqual(1);
      }
      const texts = log.flatMap((event) => (event.type === 'input' ? [event.data.text] : []));
      expect(new Set(texts).size).toBe(texts.length);
    }
    for (const api of apis) expect((await api.request('GET', '/healthz')).status).toBe(200);
  }, 90_000);
});
