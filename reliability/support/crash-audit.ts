/** A tool call an interrupted turn waits for. */
export interface PendingCall {
  toolCallId: string;
  toolName: string;
  input: unknown;
}

/** What {@link auditSessionLog} found in one session's log. */
export interface SessionAudit {
  /** Every broken rule, one line each; empty for a sound log. */
  problems: string[];
  /** Turns started (`turn-start` events). */
  turns: number;
  /** Turns a restarted server closed on recovery (`error` then `turn-end` with `stopReason: "error"`). */
  recoveredTurns: number;
  /** The calls the last turn waits for, when it ended `interrupted` and nothing answered them since. */
  pendingCalls: PendingCall[];
  /** True when the last turn has no closing `turn-end` yet: a crash cut it off and nothing recovered it. */
  openTurn: boolean;
  /** The text of every `input` event, oldest first. */
  inputTexts: string[];
}

interface LoggedEvent {
  seq: number;
  sessionId: string;
  turn: number;
  type: string;
  data: Record<string, unknown>;
}

/** What `closePendingInterrupt` writes for a call a new turn superseded before it was answered. */
const SUPERSEDED = /a new turn started before this call was answered/;
/** What `recoverTurn` writes before it closes a turn a dead process left running. */
const RECOVERED = /closed on recovery/;

/**
 * Checks one session's log (each event as its JSON text, oldest first) against the durability
 * contract (DESIGN §1.2–1.6, §4): the log that was audited before (`previous`) is an unchanged
 * prefix (append-only, nothing lost or rewritten); seqs are contiguous from 1; turn indexes go up
 * by one and every event carries its turn; each `turn-start` is followed by its `input`s and closed
 * by one final `turn-end` (an `interrupted` one only pauses the turn: a resume continues it, or
 * the next turn supersedes its calls with error results); every input and every tool result is
 * recorded once. `openTurn` reports a turn still waiting for recovery instead of a problem, so the
 * caller decides whether that is allowed yet.
 */
export function auditSessionLog(sessionId: string, log: string[], previous: string[] = []): SessionAudit {
  const problems: string[] = [];
  const problem = (text: string) => problems.push(`${sessionId}: ${text}`);
  if (previous.length > log.length) problem(`the log shrank from ${previous.length} to ${log.length} events`);
  for (let index = 0; index < Math.min(previous.length, log.length); index++) {
    if (previous[index] !== log[index])
      problem(`event ${index + 1} changed:\n  was ${previous[index]}\n  now ${log[index]}`);
  }

  const events = log.map((text) => JSON.parse(text) as LoggedEvent);
  let turn = 0;
  /** `closed`: no turn open; `open`: a turn runs; `paused`: the turn ended `interrupted`. */
  let state: 'closed' | 'open' | 'paused' = 'closed';
  let turnInputIds: string[] = [];
  let inputsExpected = 0;
  let recoveredTurns = 0;
  let turns = 0;
  let turnCalls = new Map<string, PendingCall>();
  let turnResults = new Set<string>();
  const inputIds = new Set<string>();
  const inputTexts: string[] = [];
  for (const [index, event] of events.entries()) {
    const where = `seq ${event.seq} (${event.type})`;
    if (event.seq !== index + 1) problem(`event ${index + 1} has seq ${event.seq}`);
    if (event.sessionId !== sessionId) problem(`${where} names session ${event.sessionId}`);
    if (inputsExpected > 0 && event.type !== 'input') {
      problem(`${where}: turn ${turn} has too few input events`);
      inputsExpected = 0;
    }
    if (event.type === 'turn-start') {
      if (state === 'open') problem(`${where}: turn ${turn} is still open`);
      if (event.turn !== turn + 1) problem(`${where}: turn ${event.turn} follows turn ${turn}`);
      turn = event.turn;
      turns++;
      state = 'open';
      turnInputIds = event.data.inputIds as string[];
      inputsExpected = turnInputIds.length;
      if (event.data.inputCount !== turnInputIds.length) problem(`${where}: inputCount does not match inputIds`);
      turnCalls = new Map();
      turnResults = new Set();
      continue;
    }
    if (event.turn !== turn) problem(`${where} carries turn ${event.turn} inside turn ${turn}`);
    switch (event.type) {
      case 'input': {
        const inputId = event.data.inputId as string;
        const expected = turnInputIds[turnInputIds.length - inputsExpected];
        if (inputsExpected === 0 || inputId !== expected)
          problem(`${where}: input ${inputId} is not one turn-start named`);
        inputsExpected = Math.max(0, inputsExpected - 1);
        if (inputIds.has(inputId)) problem(`${where}: input ${inputId} was consumed twice`);
        inputIds.add(inputId);
        inputTexts.push(event.data.text as string);
        break;
      }
      case 'tool-call': {
        const call = event.data as unknown as PendingCall;
        if (turnCalls.has(call.toolCallId)) problem(`${where}: tool call ${call.toolCallId} was made twice`);
        turnCalls.set(call.toolCallId, { toolCallId: call.toolCallId, toolName: call.toolName, input: call.input });
        break;
      }
      case 'tool-result': {
        const toolCallId = event.data.toolCallId as string;
        if (!turnCalls.has(toolCallId)) problem(`${where}: a result for unknown tool call ${toolCallId}`);
        if (turnResults.has(toolCallId)) problem(`${where}: tool call ${toolCallId} has a second result`);
        turnResults.add(toolCallId);
        break;
      }
      case 'turn-end': {
        if (state !== 'open') problem(`${where}: no open turn to end`);
        if (JSON.stringify(event.data.inputIds) !== JSON.stringify(turnInputIds))
          problem(`${where}: inputIds differ from turn-start's`);
        const previousEvent = events[index - 1];
        if (event.data.stopReason === 'error' && previousEvent?.type === 'error') {
          if (RECOVERED.test(String(previousEvent.data.message))) recoveredTurns++;
        }
        state = event.data.stopReason === 'interrupted' ? 'paused' : 'closed';
        continue;
      }
    }
    // A paused turn stays paused while only superseding error results are written; anything else
    // (a client's tool result, the model's answer, a recovery error) continues the turn.
    if (state === 'paused') {
      const superseded = event.type === 'tool-result' && SUPERSEDED.test(JSON.stringify(event.data.output));
      if (!superseded) state = 'open';
    } else if (state === 'closed') {
      problem(`${where} is outside any turn`);
    }
  }
  if (inputsExpected > 0) problem(`turn ${turn} has too few input events`);

  const last = events[events.length - 1];
  const pausedUntouched = state === 'paused' && last?.type === 'turn-end';
  const pendingCalls = pausedUntouched
    ? [...turnCalls.values()].filter((call) => !turnResults.has(call.toolCallId))
    : [];
  if (pausedUntouched && pendingCalls.length === 0) problem(`turn ${turn} ended interrupted with no pending call`);
  return { problems, turns, recoveredTurns, pendingCalls, openTurn: state === 'open', inputTexts };
}

/**
 * Checks that `answered` (events a client received, each as its JSON text) sits in `log` at its
 * seqs, byte for byte. Returns the problems, one line each.
 */
export function findAnsweredInLog(sessionId: string, answered: string[], log: string[], what: string): string[] {
  if (!answered.length) return [`${sessionId}: ${what} carried no persisted event`];
  const first = (JSON.parse(answered[0] as string) as LoggedEvent).seq;
  const problems: string[] = [];
  answered.forEach((text, offset) => {
    const logged = log[first - 1 + offset];
    if (logged === undefined) problems.push(`${sessionId}: ${what}: seq ${first + offset} is missing from the log`);
    else if (logged !== text)
      problems.push(`${sessionId}: ${what}: seq ${first + offset} differs\n  answered ${text}\n  logged   ${logged}`);
  });
  return problems;
}
