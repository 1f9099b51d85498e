import { auditSessionLog, type PendingCall } from './crash-audit.js';
import { type CrashHttp, type CrashOutcome, describeOutcome, type TurnAnswer } from './crash-http.js';
import type { CrashTally } from './crash-tally.js';

/** Events a client received for one session, to be found in its log at the next audit. */
export interface ReceivedEvents {
  sessionId: string;
  /** Each persisted event as the JSON text the client got. */
  events: string[];
  /** What the request was, for failure messages. */
  what: string;
}

/** A session as its client knows it. */
export interface TrackedSession {
  id: string;
  /** The calls its interrupted turn waits for, as the last answer said; null when none. */
  pending: PendingCall[] | null;
  /** A turn request a kill cut off, retried with the same Idempotency-Key after the restart. */
  retry: { input: string; key: string } | null;
}

/** The client-side tool every session declares, so `/tool pick_color {…}` interrupts the turn. */
const CLIENT_TOOLS = [
  {
    name: 'pick_color',
    description: 'Asks the user for a colour',
    inputSchema: { type: 'object', properties: { ask: { type: 'string' } } },
  },
];
/** How many of a worker's sessions take its load; older ones are only audited from then on. */
const ACTIVE_SESSIONS = 3;

type Step = 'ok' | 'down';
type TurnKind = 'plain' | 'sleep' | 'tool';

interface LoggedEvent {
  seq: number;
  type: string;
  data: Record<string, unknown>;
}

/**
 * One client of the crash loop, on its own app and sessions (so its picture of each session is
 * exact while the server lives): it runs JSON and streamed turns, `/sleep` turns that a kill can
 * cut mid-turn, and `/tool` turns whose interrupts it resumes, supersedes or leaves pending. It
 * records every answer and every streamed event so the audit can find them in the logs, and
 * after a restart it drives each of its sessions once: resume a pending interrupt, retry a
 * cut-off turn with its Idempotency-Key, or run a new turn. Broken expectations go to `problems`.
 */
export class CrashWorker {
  readonly sessions: TrackedSession[] = [];
  /** Answers (status 200) received since the last audit. */
  readonly answered: ReceivedEvents[] = [];
  /** Persisted events of streams a kill cut off, since the last audit. */
  readonly cutOff: ReceivedEvents[] = [];
  private sleeping: { since: number; sleepMs: number } | null = null;
  private counter = 0;

  constructor(
    readonly name: string,
    /** This worker's app: its token reads its sessions' logs for the audit. */
    readonly http: CrashHttp,
    private readonly tally: CrashTally,
    private readonly problems: string[],
  ) {}

  /** True while a `/sleep` turn of this worker is well inside its sleep: a kill now cuts it mid-turn. */
  get midTurn(): boolean {
    if (!this.sleeping) return false;
    const elapsed = Date.now() - this.sleeping.since;
    return elapsed > 150 && elapsed < this.sleeping.sleepMs - 100;
  }

  /** Creates a session with the client tool declared; it joins the active ones. */
  async openSession(label: string): Promise<void> {
    const outcome = await this.http.json<{ session: { id: string } }>('POST', '/v1/sessions', {
      clientSessionId: `${this.name}-${label}`,
      tools: CLIENT_TOOLS,
    });
    if (outcome.kind !== 'answered' || outcome.status !== 201) {
      throw new Error(`${this.name}: creating a session failed: ${describeOutcome(outcome)}`);
    }
    this.sessions.push({ id: outcome.body.session.id, pending: null, retry: null });
    this.tally.sessions++;
  }

  /** Runs turns on the active sessions until `stopping()` or until a request finds the server dead. */
  async runLoad(stopping: () => boolean): Promise<void> {
    const active = this.sessions.slice(-ACTIVE_SESSIONS);
    while (!stopping()) {
      const session = active[Math.floor(Math.random() * active.length)] as TrackedSession;
      const streamed = Math.random() < 0.4;
      let step: Step;
      if (session.pending && Math.random() < 0.65) step = await this.resume(session, streamed);
      else if (session.pending) step = await this.newTurn(session, 'plain', streamed);
      else step = await this.newTurn(session, pickKind(), streamed);
      if (step === 'down') return;
    }
  }

  /**
   * After a restart, uses each active session once so a turn the crash cut off is recovered:
   * resumes an interrupt found pending in the log, retries a cut-off turn request with its key
   * (replayed from the log when its input was consumed, run now otherwise), or runs a new turn.
   * Every one of these must be answered 200: a session must be usable after any crash.
   */
  async drive(): Promise<void> {
    for (const session of this.sessions.slice(-ACTIVE_SESSIONS)) {
      const before = auditSessionLog(session.id, await this.http.readLog(session.id));
      let used = false;
      if (before.pendingCalls.length) {
        session.pending = before.pendingCalls;
        await this.expectUp(this.resume(session, false), session);
        this.tally.interruptsResumedAfterRestart++;
        used = true;
      }
      if (session.retry) {
        const { input, key } = session.retry;
        session.retry = null;
        const consumed = before.inputTexts.includes(input);
        await this.expectUp(this.newTurn(session, kindOf(input), false, { input, key, replay: consumed }), session);
        if (consumed) this.tally.retriesReplayed++;
        else this.tally.retriesRun++;
        // A retried `/tool` turn that ran now is interrupted again: answer it so the session is left clean.
        if (session.pending) await this.expectUp(this.resume(session, false), session);
        used = true;
      }
      if (!used) await this.expectUp(this.newTurn(session, 'plain', false), session);
    }
  }

  private async expectUp(step: Promise<Step>, session: TrackedSession): Promise<void> {
    if ((await step) === 'down') this.problems.push(`${session.id}: a request after the restart got no answer`);
  }

  private async newTurn(
    session: TrackedSession,
    kind: TurnKind,
    streamed: boolean,
    retry?: { input: string; key: string; replay: boolean },
  ): Promise<Step> {
    const label = `${this.name} n${++this.counter}`;
    const sleepMs = 300 + Math.floor(Math.random() * 1200);
    const input =
      retry?.input ??
      (kind === 'sleep'
        ? `/sleep ${sleepMs} woke ${label}`
        : kind === 'tool'
          ? `/tool pick_color ${JSON.stringify({ ask: label })}`
          : `hello from ${label}`);
    const key = retry?.key ?? `${this.name}-${this.counter}`;
    const path = `/v1/sessions/${session.id}/turns`;
    const headers = { 'idempotency-key': key };
    if (kind === 'sleep' && !retry) this.sleeping = { since: Date.now(), sleepMs };
    const outcome = streamed
      ? await this.http.stream(path, { input }, headers)
      : await this.http.json('POST', path, { input }, headers);
    this.sleeping = null;
    const what = `${streamed ? 'streamed' : 'JSON'} turn ${JSON.stringify(input)}${retry ? ' (retry)' : ''}`;
    if (outcome.kind !== 'answered') return this.lost(session, outcome, what, { input, key });
    const events = this.accept(session, outcome, what, streamed);
    if (!events) return 'ok';
    const starts = events.filter((event) => event.type === 'turn-start');
    const inputs = events.filter((event) => event.type === 'input').map((event) => event.data.text);
    if (starts.length !== 1 || !inputs.includes(input))
      this.problem(session, what, 'does not hold one turn with its input');
    this.tally.turnsAnswered++;
    if (streamed) this.tally.turnsStreamed++;
    if (session.pending) this.tally.interruptsSuperseded++;
    session.pending = null;
    const end = events[events.length - 1] as LoggedEvent;
    // A replayed retry answers whatever the log holds (a recovered turn ended `error`).
    if (retry?.replay) return 'ok';
    const text = events.find((event) => event.type === 'message')?.data.text;
    if (kind === 'tool') {
      const call = events.find((event) => event.type === 'tool-call')?.data;
      if (end.data.stopReason !== 'interrupted' || call?.toolName !== 'pick_color' || call.executor !== 'client') {
        this.problem(session, what, `ended ${String(end.data.stopReason)} without a pending client call`);
        return 'ok';
      }
      session.pending = [
        { toolCallId: String(call.toolCallId), toolName: 'pick_color', input: call.input as PendingCall['input'] },
      ];
      this.tally.interruptsRaised++;
      return 'ok';
    }
    const expected = kind === 'sleep' ? `echo: ${input.replace(/^\/sleep \d+ /, '')}` : `echo: ${input}`;
    if (end.data.stopReason !== 'stop' || text !== expected) {
      this.problem(session, what, `ended ${String(end.data.stopReason)} with ${JSON.stringify(text)}, not ${expected}`);
    }
    return 'ok';
  }

  private async resume(session: TrackedSession, streamed: boolean): Promise<Step> {
    const calls = session.pending ?? [];
    const outputs = calls.map((call) => ({ color: 'teal', ask: (call.input as { ask?: string } | null)?.ask ?? null }));
    const body = { toolResults: calls.map((call, index) => ({ toolCallId: call.toolCallId, output: outputs[index] })) };
    const path = `/v1/sessions/${session.id}/resume`;
    const outcome = streamed ? await this.http.stream(path, body) : await this.http.json('POST', path, body);
    const what = `${streamed ? 'streamed' : 'JSON'} resume of ${calls.map((call) => call.toolCallId).join(', ')}`;
    if (outcome.kind !== 'answered') return this.lost(session, outcome, what, null);
    const events = this.accept(session, outcome, what, streamed);
    session.pending = null;
    if (!events) return 'ok';
    const end = events[events.length - 1] as LoggedEvent;
    const text = events.find((event) => event.type === 'message')?.data.text;
    const expected = `echo: ${JSON.stringify(outputs[outputs.length - 1])}`;
    if (!streamed && events[0]?.type !== 'turn-start')
      this.problem(session, what, 'does not list the turn from turn-start');
    if (end.data.stopReason !== 'stop' || text !== expected) {
      this.problem(session, what, `ended ${String(end.data.stopReason)} with ${JSON.stringify(text)}, not ${expected}`);
    }
    this.tally.interruptsResumed++;
    return 'ok';
  }

  /**
   * Checks a complete answer: 200, persisted events with contiguous seqs, ending in `turn-end`
   * (a JSON answer's `stopReason` is that `turn-end`'s). Records it for the audit; returns its
   * events parsed, or null after reporting a problem.
   */
  private accept(
    session: TrackedSession,
    outcome: Extract<CrashOutcome<TurnAnswer>, { kind: 'answered' }>,
    what: string,
    streamed: boolean,
  ): LoggedEvent[] | null {
    if (outcome.status !== 200) {
      this.problem(session, what, `answered ${describeOutcome(outcome)}`);
      return null;
    }
    const events = outcome.events.map((text) => JSON.parse(text) as LoggedEvent);
    const end = events[events.length - 1];
    const contiguous = events.every((event, index) => event.seq === (events[0] as LoggedEvent).seq + index);
    if (end?.type !== 'turn-end' || !contiguous) {
      this.problem(session, what, 'is not a contiguous run of events ending in turn-end');
      return null;
    }
    if (!streamed && outcome.body.turn?.stopReason !== end.data.stopReason) {
      this.problem(
        session,
        what,
        `says stopReason ${outcome.body.turn?.stopReason}, its turn-end ${end.data.stopReason}`,
      );
    }
    this.answered.push({ sessionId: session.id, events: outcome.events, what });
    return events;
  }

  /** A request without an answer: refused (never reached a server) or cut off by the kill. */
  private lost(
    session: TrackedSession,
    outcome: Exclude<CrashOutcome<TurnAnswer>, { kind: 'answered' }>,
    what: string,
    retry: TrackedSession['retry'],
  ): Step {
    if (outcome.kind === 'cut-off') {
      this.tally.requestsCutOff++;
      // Its state is unknown now; the drive after the restart reads it from the log.
      session.pending = null;
      session.retry = retry;
      if (outcome.events.length) this.cutOff.push({ sessionId: session.id, events: outcome.events, what });
    }
    return 'down';
  }

  private problem(session: TrackedSession, what: string, text: string): void {
    this.problems.push(`${session.id}: ${what} ${text}`);
  }
}

function pickKind(): TurnKind {
  const draw = Math.random();
  if (draw < 0.4) return 'plain';
  return draw < 0.7 ? 'sleep' : 'tool';
}

function kindOf(input: string): TurnKind {
  if (input.startsWith('/sleep ')) return 'sleep';
  return input.startsWith('/tool ') ? 'tool' : 'plain';
}
