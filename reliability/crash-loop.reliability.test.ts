/**
 * Crash loop: the real `confab serve` process (SQLite in a temp dir) is killed with SIGKILL
 * RELIABILITY_CRASHES times (default 20) at random moments while 8 clients run JSON and streamed
 * turns, `/sleep` turns (so kills land mid-turn) and `/tool` turns against a client-side tool (so
 * kills find interrupts pending). After each restart every client drives its sessions once
 * (resume, idempotent retry or a new turn, which also makes the server recover cut-off turns), and
 * then every session's log is audited: every answered turn is in it byte for byte, nothing audited
 * before changed, seqs are contiguous, each turn is closed by one final `turn-end`, no input or
 * tool result is recorded twice. Bounded by RELIABILITY_CRASH_BUDGET_MS (default 300 s).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { auditSessionLog, findAnsweredInLog } from './support/crash-audit.js';
import { CrashHttp } from './support/crash-http.js';
import { type CrashServer, startCrashServer } from './support/crash-server.js';
import { createCrashTally, formatCrashTally } from './support/crash-tally.js';
import { CrashWorker } from './support/crash-worker.js';

const CRASHES = Number(process.env.RELIABILITY_CRASHES ?? 20);
const BUDGET_MS = Number(process.env.RELIABILITY_CRASH_BUDGET_MS ?? 300_000);
const CLIENTS = 8;
/** Short enough that a restarted server takes over the killed one's sessions within the drive. */
const LEASE_TTL_MS = 1500;

const directory = mkdtempSync(join(tmpdir(), 'confab-crash-loop-'));
let server: CrashServer | null = null;

afterAll(async () => {
  await server?.kill();
  rmSync(directory, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe(`crash loop: ${CRASHES} SIGKILLs of confab serve under ${CLIENTS} clients`, () => {
  it('keeps every answered turn, recovers every cut-off one and leaves every session usable', async () => {
    const startedAt = Date.now();
    const deadline = startedAt + BUDGET_MS;
    // One app per client: the per-app turn budget (600/min) then never throttles the load.
    const tokens = Array.from({ length: CLIENTS }, (_, index) => ({
      appId: `crash${index}`,
      token: randomBytes(24).toString('base64url'),
    }));
    const start = () =>
      startCrashServer({
        filename: join(directory, 'confab.db'),
        tokens: tokens.map(({ appId, token }) => `${appId}:${token}`).join(','),
        leaseTtlMs: LEASE_TTL_MS,
      });
    let url = '';
    const tally = createCrashTally();
    const problems: string[] = [];
    const workers = tokens.map(
      ({ appId, token }) => new CrashWorker(appId, new CrashHttp(() => url, token), tally, problems),
    );
    /** Each session's log as the last audit read it. */
    const audited = new Map<string, string[]>();

    /** Audits every session ever created; returns how many turns the restarts closed, in total. */
    const auditAll = async (): Promise<number> => {
      let recovered = 0;
      await Promise.all(
        workers.map(async (worker) => {
          const http = worker.http;
          for (const session of worker.sessions) {
            const log = await http.readLog(session.id);
            const audit = auditSessionLog(session.id, log, audited.get(session.id));
            problems.push(...audit.problems);
            if (audit.openTurn) problems.push(`${session.id}: turn ${audit.turns} is still open after the drive`);
            if (new Set(audit.inputTexts).size !== audit.inputTexts.length) {
              problems.push(`${session.id}: an input text was consumed twice`);
            }
            const answer = await http.json<{ session: { turnCount: number } }>('GET', `/v1/sessions/${session.id}`);
            const turnCount = answer.kind === 'answered' ? answer.body.session?.turnCount : undefined;
            if (turnCount !== audit.turns) problems.push(`${session.id}: turnCount ${turnCount}, ${audit.turns} turns`);
            recovered += audit.recoveredTurns;
            tally.eventsAudited += log.length;
            audited.set(session.id, log);
          }
          for (const received of worker.answered.splice(0)) {
            const log = audited.get(received.sessionId) ?? [];
            problems.push(...findAnsweredInLog(received.sessionId, received.events, log, received.what));
          }
          for (const received of worker.cutOff.splice(0)) {
            const log = audited.get(received.sessionId) ?? [];
            problems.push(...findAnsweredInLog(received.sessionId, received.events, log, `cut-off ${received.what}`));
            tally.cutOffEventsFound += received.events.length;
          }
        }),
      );
      return recovered;
    };

    server = await start();
    url = server.url;
    for (let cycle = 0; cycle < CRASHES && Date.now() < deadline && problems.length === 0; cycle++) {
      await Promise.all(workers.map((worker) => worker.openSession(`cycle-${cycle}`)));
      let stopping = false;
      const load = Promise.all(workers.map((worker) => worker.runLoad(() => stopping)));
      // Awaited below; this only keeps an early failure from being reported as unhandled meanwhile.
      load.catch(() => undefined);
      // A random moment of the load, then (briefly) until some turn is asleep mid-turn.
      await sleep(500 + Math.random() * 3500);
      const latest = Date.now() + 2000;
      while (!workers.some((worker) => worker.midTurn) && Date.now() < latest) await sleep(5);
      stopping = true;
      await server.kill();
      server = null;
      tally.kills++;
      await load;

      server = await start();
      url = server.url;
      await Promise.all(workers.map((worker) => worker.drive()));
      tally.turnsClosedOnRecovery = await auditAll();
    }

    // A last graceful stop: the server that survived the crashes shuts down cleanly.
    const exitCode = await server.stop();
    server = null;
    const seconds = (Date.now() - startedAt) / 1000;
    console.log(formatCrashTally(tally, seconds, problems.length));
    expect(problems.slice(0, 20)).toEqual([]);
    expect(exitCode).toBe(0);
    expect(tally.kills, `only ${tally.kills} kills fit in ${BUDGET_MS} ms`).toBe(CRASHES);
    // Each kill waited for a /sleep turn to be mid-turn, so each cut at least one turn off.
    expect(tally.turnsClosedOnRecovery).toBeGreaterThanOrEqual(tally.kills);
    expect(tally.requestsCutOff).toBeGreaterThanOrEqual(tally.kills);
    expect(tally.interruptsResumed).toBeGreaterThan(0);
    expect(tally.interruptsResumedAfterRestart).toBeGreaterThan(0);
  });
});
