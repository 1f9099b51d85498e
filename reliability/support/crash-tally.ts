/** The running figures of the crash loop, printed as its one-line summary. */
export interface CrashTally {
  kills: number;
  /** `POST …/turns` answered 200 (JSON or a stream that reached `turn-end`), retries and drives included. */
  turnsAnswered: number;
  /** Of those, streamed. */
  turnsStreamed: number;
  /** Turn and resume requests a kill cut off after they may have reached the server. */
  requestsCutOff: number;
  /** Turns the restarted server closed with `stopReason: "error"`, counted in the final audit. */
  turnsClosedOnRecovery: number;
  /** `/tool` turns answered `interrupted`. */
  interruptsRaised: number;
  /** Interrupted turns continued by `POST …/resume` with the tool result. */
  interruptsResumed: number;
  /** Of those, found pending in the log after a restart. */
  interruptsResumedAfterRestart: number;
  /** Interrupted turns superseded by a new turn (their call gets an error result). */
  interruptsSuperseded: number;
  /** Cut-off turn requests retried with their Idempotency-Key: answered from the log (the input was consumed). */
  retriesReplayed: number;
  /** …or run now (the crash came before the turn took the input). */
  retriesRun: number;
  /** Persisted events a cut-off stream had delivered, found in the log byte for byte. */
  cutOffEventsFound: number;
  /** Events checked by the audits after each restart (a session's whole log, every time). */
  eventsAudited: number;
  sessions: number;
}

/** A tally at zero. */
export function createCrashTally(): CrashTally {
  return {
    kills: 0,
    turnsAnswered: 0,
    turnsStreamed: 0,
    requestsCutOff: 0,
    turnsClosedOnRecovery: 0,
    interruptsRaised: 0,
    interruptsResumed: 0,
    interruptsResumedAfterRestart: 0,
    interruptsSuperseded: 0,
    retriesReplayed: 0,
    retriesRun: 0,
    cutOffEventsFound: 0,
    eventsAudited: 0,
    sessions: 0,
  };
}

/** The one-line summary of what the run held. */
export function formatCrashTally(tally: CrashTally, seconds: number, problems: number): string {
  const number = (value: number) => value.toLocaleString('en-US');
  return (
    `crash loop: ${tally.kills} SIGKILLs in ${seconds.toFixed(0)} s; ` +
    `${number(tally.turnsAnswered)} turns answered (${number(tally.turnsStreamed)} streamed), ` +
    `${number(tally.requestsCutOff)} requests cut off, ${number(tally.turnsClosedOnRecovery)} turns closed on recovery, ` +
    `${number(tally.interruptsResumed)} of ${number(tally.interruptsRaised)} interrupts resumed ` +
    `(${number(tally.interruptsResumedAfterRestart)} after a restart, ${number(tally.interruptsSuperseded)} superseded), ` +
    `${number(tally.retriesReplayed + tally.retriesRun)} idempotent retries (${number(tally.retriesReplayed)} replayed), ` +
    `${number(tally.cutOffEventsFound)} events of cut-off streams found, ` +
    `${number(tally.eventsAudited)} events audited in ${number(tally.sessions)} sessions: ${problems} problems`
  );
}
