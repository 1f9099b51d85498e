/**
 * Load: many sessions × turns through the real HTTP server (SQLite, echo model) with 64 concurrent
 * clients. Zero errors, zero lost or duplicated events, every `turn-end` matched to its
 * `turn-start`. Scale with RELIABILITY_SESSIONS / RELIABILITY_TURNS: the defaults are issue 8's
 * 1,000 × 10; `.ci/run` runs 100 × 10.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@confab/server';
import { SqliteStore } from '@confab/sqlite';
import { newId, newSecret, sha256Hex } from 'confab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSessionLog } from './support/read-session-log.js';

const SESSIONS = Number(process.env.RELIABILITY_SESSIONS ?? 1000);
const TURNS = Number(process.env.RELIABILITY_TURNS ?? 10);
const CLIENTS = 64;

let directory: string;
let store: SqliteStore;
let running: Awaited<ReturnType<typeof serve>>;
let token: string;
let headers: Record<string, string>;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'confab-reliability-'));
  store = new SqliteStore({ filename: join(directory, 'confab.db') });
  await store.migrate();
  token = newSecret();
  await store.createApp({ id: 'load', name: 'load' });
  await store.createToken({ id: newId('tok'), appId: 'load', tokenHash: await sha256Hex(token) });
  running = await serve({
    store,
    port: 0,
    logger: false,
    limits: {
      turnsPerMinute: 0,
      sessionsPerMinute: 0,
      maxRunningTurns: 4096,
      maxRunningTurnsPerApp: 4096,
      maxOpenStreams: 4096,
      maxOpenStreamsPerApp: 4096,
    },
  });
  headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
});

afterAll(async () => {
  await running?.close();
  rmSync(directory, { recursive: true, force: true });
});

describe(`load: ${SESSIONS} sessions × ${TURNS} turns, ${CLIENTS} concurrent clients`, () => {
  it('answers every turn, and every log is complete, ordered and free of duplicates', async () => {
    const sessionIds: string[] = [];
    for (let index = 0; index < SESSIONS; index++) {
      const response = await fetch(`${running.url}/v1/sessions`, { method: 'POST', headers, body: '{}' });
      expect(response.status).toBe(201);
      sessionIds.push(((await response.json()) as { session: { id: string } }).session.id);
    }
    const failures: string[] = [];
    const started = Date.now();
    const work = sessionIds.flatMap((sessionId) => Array.from({ length: TURNS }, (_, turn) => ({ sessionId, turn })));
    const answered = new Map(sessionIds.map((id) => [id, 0]));
    let cursor = 0;
    const claim = () => work[cursor++] ?? null;
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        for (let item = claim(); item; item = claim()) {
          const response = await fetch(`${running.url}/v1/sessions/${item.sessionId}/turns`, {
            method: 'POST',
            headers: { ...headers, 'idempotency-key': `${item.sessionId}-${item.turn}` },
            body: JSON.stringify({ input: `turn ${item.turn}` }),
          });
          if (response.status !== 200)
            failures.push(`${item.sessionId} turn ${item.turn}: ${response.status} ${await response.text()}`);
          else answered.set(item.sessionId, (answered.get(item.sessionId) ?? 0) + 1);
        }
      }),
    );
    expect(failures).toEqual([]);
    expect([...answered.values()].every((count) => count === TURNS)).toBe(true);

    const seconds = (Date.now() - started) / 1000;
    let audited = 0;
    for (const sessionId of sessionIds) {
      const events = await readSessionLog(running.url, token, sessionId);
      audited += events.length;
      expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
      let open: number | null = null;
      let turns = 0;
      for (const event of events) {
        if (event.type === 'turn-start') {
          expect(open).toBeNull();
          open = event.turn;
          turns++;
        }
        if (event.type === 'turn-end') {
          expect(event.turn).toBe(open);
          expect(event.data.stopReason).toBe('stop');
          open = null;
        }
      }
      expect(open).toBeNull();
      expect(turns).toBe(TURNS);
      const inputs = events.flatMap((event) => (event.type === 'input' ? [event.data.text] : []));
      expect(new Set(inputs).size).toBe(TURNS);
    }
    console.log(
      `load: ${SESSIONS * TURNS} turns (${SESSIONS} sessions × ${TURNS}) by ${CLIENTS} clients in ${seconds.toFixed(1)} s ` +
        `(${Math.round((SESSIONS * TURNS) / seconds)} turns/s), ${failures.length} errors, ${audited} events audited: ` +
        'contiguous, every turn-start matched by one turn-end, no input twice',
    );
  });
});
