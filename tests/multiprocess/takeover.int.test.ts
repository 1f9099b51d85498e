/**
 * DESIGN §1.3 and §4 across processes: when the process running a session's turn dies (kill -9),
 * another process takes the session over once the dead one's lease expires, closes the cut-off
 * turn with stopReason "error" and runs the next turn.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, poll } from './support/api.js';
import { splitTurns } from './support/event-log.js';
import { createTestDatabase, type TestDatabase } from './support/postgres-database.js';
import { killAllServers, type ServeProcess, startServers } from './support/serve-process.js';

/**
 * `confab serve` has no lease option, so the runner's default applies: a lease lives 15 s and is
 * renewed every third of that, so it expires 10–15 s after the kill.
 */
const LEASE_TTL_MS = 15_000;
const RENEWAL_MS = LEASE_TTL_MS / 3;

let database: TestDatabase;
let doomed: ServeProcess;
let survivor: ServeProcess;

beforeAll(async () => {
  database = await createTestDatabase();
  [doomed, survivor] = (await startServers(2, database.url)) as [ServeProcess, ServeProcess];
}, 60_000);

afterAll(async () => {
  await killAllServers();
  await database?.drop();
});

describe('kill -9 of the process running a turn', () => {
  it('lets the other process close the cut-off turn with "error" and run the next one', async () => {
    const doomedApi = new Api(doomed.url, doomed.token);
    const survivorApi = new Api(survivor.url, survivor.token);
    const sessionId = await survivorApi.createSession();

    // The answer never comes: the process dies mid-turn. Its rejection is expected and ignored.
    const cutOff = doomedApi.request('POST', `/v1/sessions/${sessionId}/turns`, { input: '/sleep 20000 x' });
    cutOff.catch(() => undefined);
    await poll('the doomed turn to start', async () => {
      const events = await survivorApi.events(sessionId);
      return events.some((event) => event.type === 'turn-start') ? true : undefined;
    });
    await doomed.kill();
    const killedAt = Date.now();
    await expect(cutOff).rejects.toThrow();

    const next = await survivorApi.request('POST', `/v1/sessions/${sessionId}/turns`, { input: 'after the crash' });
    const waitedMs = Date.now() - killedAt;
    expect(next.status, JSON.stringify(next.body)).toBe(200);
    expect(next.body.turn.index).toBe(2);
    expect(next.body.turn.stopReason).toBe('stop');
    // The survivor waited for the lease, not less (no early steal), and took over soon after it expired.
    expect(waitedMs).toBeGreaterThan(LEASE_TTL_MS - RENEWAL_MS - 500);
    expect(waitedMs).toBeLessThan(LEASE_TTL_MS + 3_000);

    const events = await survivorApi.events(sessionId);
    const turns = splitTurns(events);
    expect(turns).toHaveLength(2);
    const [first, second] = turns as [(typeof turns)[number], (typeof turns)[number]];
    expect(first.start.data.inputIds).toHaveLength(1);
    expect(first.events.map((event) => event.type)).toEqual(['turn-start', 'input', 'error', 'turn-end']);
    expect(first.end?.data.stopReason).toBe('error');
    expect(first.end?.data.inputIds).toEqual(first.start.data.inputIds);
    expect(second.end?.data.stopReason).toBe('stop');
    expect(second.events.find((event) => event.type === 'message')?.data).toMatchObject({
      text: 'echo: after the crash',
    });
    // The answer lists exactly what the log holds for the new turn.
    expect(next.body.turn.events).toEqual(second.events);
  }, 60_000);
});
