/**
 * A full disk under every file store (SQLite, JSONL): a small tmpfs mounted by the test holds the
 * store, a filler file takes the rest of its space while clients keep running turns. Every answer
 * is 200 or 503 `unavailable` (never a 5xx of another kind), every acknowledged turn is in the log
 * with one `turn-start` and one `turn-end`, no event is duplicated, and once the filler is removed
 * the same server answers turns again, unattended (issue 15, faults (c)).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonlStore } from '@confab/jsonl';
import { SqliteStore } from '@confab/sqlite';
import { createModelResolver, Pool, type SessionEvent } from 'confab';
import type { SessionStore } from 'confab/store';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from './app.js';
import { serve } from './serve.js';
import { ApiClient, createToken } from './test-support/harness.js';

const root = mkdtempSync(join(tmpdir(), 'confab-full-disk-'));
const mounted: string[] = [];

/** Mounts a tmpfs of `size` at a new directory; null (with the reason) when this machine cannot. */
function mountTmpfs(name: string, size: string): { path: string } | { reason: string } {
  const path = join(root, name);
  mkdirSync(path);
  if (process.getuid?.() !== 0) return { reason: 'mounting a tmpfs needs root' };
  const result = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', path], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    return { reason: `mount -t tmpfs failed: ${result.error?.message ?? result.stderr.trim()}` };
  }
  mounted.push(path);
  return { path };
}

afterAll(() => {
  for (const path of mounted) spawnSync('umount', ['-l', path]);
  rmSync(root, { recursive: true, force: true });
});

/** Fills the file system of `directory` up to the last byte; returns the filler's path. */
function fill(directory: string): string {
  const filler = join(directory, 'filler');
  const chunk = Buffer.alloc(64 * 1024, 1);
  let size = 0;
  for (;;) {
    try {
      writeFileSync(filler, chunk, { flag: 'a' });
      size += chunk.length;
    } catch {
      // Then smaller pieces, down to single bytes, so no block is left free.
      for (const piece of [4096, 512, 1]) {
        for (;;) {
          try {
            writeFileSync(filler, Buffer.alloc(piece, 1), { flag: 'a' });
          } catch {
            break;
          }
        }
      }
      return filler;
    }
    if (size > 1 << 30) throw new Error('the file system does not fill up');
  }
}

interface Outcome {
  status: number;
  code: string | undefined;
  turn?: { index: number; events: SessionEvent[] };
}

const stores: Array<[string, (directory: string) => SessionStore]> = [
  ['sqlite', (directory) => new SqliteStore({ filename: join(directory, 'confab.db') })],
  ['jsonl', (directory) => new JsonlStore({ directory: join(directory, 'store'), logger: { warn: () => {} } })],
];

describe.each(stores)('a full disk under the %s store', (kind, open) => {
  const target = mountTmpfs(kind, '6m');
  const skip = 'reason' in target ? target.reason : null;

  it.skipIf(skip !== null)(
    `answers 503 while full, loses nothing acknowledged, recovers (${skip ?? 'tmpfs'})`,
    async () => {
      const directory = (target as { path: string }).path;
      const store = open(directory);
      await store.migrate();
      const token = await createToken(store, 'app-a');
      const resolveModel = createModelResolver();
      const pool = new Pool({ store, resolveModel, onError: () => undefined });
      const app = createApp({ store, pool, resolveModel, logger: false });
      const running = await serve({ app, port: 0 });
      const api = new ApiClient(running.url, token);
      try {
        const sessions: string[] = [];
        for (let index = 0; index < 4; index++) sessions.push((await api.createSession({ title: `s${index}` })).id);
        const acknowledged = new Map<string, Outcome[]>(sessions.map((id) => [id, []]));
        const answers: number[] = [];
        const refused: Array<{ sessionId: string; input: string }> = [];
        const round = async (label: string) => {
          await Promise.all(
            sessions.map(async (sessionId, index) => {
              const input = `${label} ${index} ${'x'.repeat(2000)}`;
              const answer = await api.post(`/v1/sessions/${sessionId}/turns`, { input });
              answers.push(answer.status);
              if (answer.status === 503) refused.push({ sessionId, input });
              const outcome: Outcome = {
                status: answer.status,
                code: answer.body?.error?.code,
                turn: answer.body?.turn,
              };
              expect([200, 503], JSON.stringify(answer.body)).toContain(answer.status);
              if (answer.status === 503) expect(outcome.code).toBe('unavailable');
              if (answer.status === 200) acknowledged.get(sessionId)?.push(outcome);
            }),
          );
        };
        await round('before');
        const filler = fill(directory);
        const full = statSync(filler).size;
        // Space runs out in the middle of turns: a little room, then less, then none.
        for (const room of [96, 48, 24, 12, 8, 4, 0, 0]) {
          truncateSync(filler, full - room * 1024);
          await round(`room ${room}`);
          fill(directory);
        }
        expect(answers.filter((status) => status === 503).length).toBeGreaterThan(0);
        rmSync(filler);
        // Recovery, unattended: the same server answers again (a session may first need its lease back).
        for (const sessionId of sessions) {
          let status = 0;
          for (let attempt = 0; attempt < 40 && status !== 200; attempt++) {
            const answer = await api.post(`/v1/sessions/${sessionId}/turns`, { input: 'after' });
            status = answer.status;
            if (status === 200) acknowledged.get(sessionId)?.push({ status, code: undefined, turn: answer.body.turn });
            else await new Promise((resolve) => setTimeout(resolve, 250));
          }
          expect(status).toBe(200);
        }

        let closedAfterFailure = 0;
        for (const sessionId of sessions) {
          const log: SessionEvent[] = (await api.get(`/v1/sessions/${sessionId}/events?limit=1000`)).body.events;
          expect(log.map((event) => event.seq)).toEqual(log.map((_, index) => index + 1));
          // Every acknowledged turn is there, event for event.
          const bySeq = new Map(log.map((event) => [event.seq, event]));
          for (const outcome of acknowledged.get(sessionId) ?? []) {
            for (const event of outcome.turn?.events ?? []) expect(bySeq.get(event.seq)).toEqual(event);
          }
          // One turn-start and one turn-end per turn, one closing error at most, no input twice.
          const perTurn = new Map<number, SessionEvent[]>();
          for (const event of log) perTurn.set(event.turn, [...(perTurn.get(event.turn) ?? []), event]);
          for (const [turn, events] of perTurn) {
            const count = (type: string) => events.filter((event) => event.type === type).length;
            if (turn === 0) continue;
            expect({ turn, starts: count('turn-start'), ends: count('turn-end') }).toEqual({
              turn,
              starts: 1,
              ends: 1,
            });
            expect(count('error'), JSON.stringify(events)).toBeLessThanOrEqual(1);
          }
          const inputIds = log.flatMap((event) => (event.type === 'input' ? [event.data.inputId] : []));
          expect(new Set(inputIds).size).toBe(inputIds.length);
          // A turn answered 503 whose input was written (the disk filled up after its start) was
          // closed once, by an error that names the store failure, not a stopped process.
          for (const { input } of refused.filter((entry) => entry.sessionId === sessionId)) {
            const written = log.find((event) => event.type === 'input' && event.data.text === input);
            if (!written) continue;
            closedAfterFailure++;
            const events = perTurn.get(written.turn) ?? [];
            const errorsOfTurn = events.filter((event) => event.type === 'error');
            expect(errorsOfTurn).toHaveLength(1);
            expect(errorsOfTurn[0]?.data.message).toMatch(/store failed/);
            expect(events.at(-1)).toMatchObject({ type: 'turn-end', data: { stopReason: 'error' } });
          }
        }
        console.log(
          `${kind}: answers ${JSON.stringify(answers)}, ${closedAfterFailure} refused turns written and closed`,
        );
      } finally {
        await running.close({ deadlineMs: 2000 });
      }
      // And durably: a fresh store on the same files reads the same logs.
      const reopened = open(directory);
      try {
        await reopened.migrate();
        expect((await reopened.listSessions({ appId: 'app-a' })).sessions).toHaveLength(4);
      } finally {
        await reopened.close();
      }
    },
    60_000,
  );
});
