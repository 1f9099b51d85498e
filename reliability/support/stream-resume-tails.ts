import type { Session, StreamEvent } from '@confab/client';
import { readRawResumingStream } from './raw-resuming-stream.js';
import type { RawCounts } from './stream-resume-turns.js';

/**
 * Connections in a row that deliver nothing before a raw tail gives up (it never resumed). Some
 * cuts land before the first `: connected` comment; a tail stays open for the whole run and so
 * meets far more cuts than one turn, hence more leeway than a raw turn gets.
 */
const RAW_TAIL_MAX_EMPTY_CONNECTIONS = 50;

/** A live tail kept open for the whole run; `stop` ends it and reports how it went. */
export interface Tail {
  /** Every event received so far, in arrival order (filled while the tail runs). */
  events: StreamEvent[];
  /** The seq of the last persisted event received (deltas do not count); 0 before any. */
  lastSeq(): number;
  /** False once the tail ended by itself (it gave up). */
  alive(): boolean;
  /** Aborts the tail, waits for it to end, and resolves its problems (empty when it held). */
  stop(): Promise<string[]>;
}

/**
 * Tails a session from seq 0 through the client SDK (`session.events.stream`), which must
 * reconnect on its own. `stop` reports a problem when the tail threw or ended before it was
 * stopped: a live tail never ends by itself.
 */
export function clientTail(session: Session, label: string): Tail {
  const events: StreamEvent[] = [];
  const controller = new AbortController();
  // Resolves the failure (null when the tail was stopped) rather than rejecting, so `stop` can report it.
  const reading = (async (): Promise<unknown> => {
    try {
      for await (const event of session.events.stream({ after: 0, signal: controller.signal })) events.push(event);
      return new Error('the live tail ended by itself');
    } catch (error) {
      return controller.signal.aborted ? null : error;
    }
  })();
  return trackTail(events, controller, reading, (failure) =>
    failure ? [`${label}: the tail stopped after ${events.length} events: ${failure}`] : [],
  );
}

/** Options of {@link rawTail}. */
export interface RawTailOptions {
  /** Where the tail connects: the flaky proxy's URL. */
  baseUrl: string;
  token: string;
  sessionId: string;
  /** Prefixes the tail's problems. */
  label: string;
  /** Receives the tail's connections and resumes when it is stopped. */
  counts: RawCounts;
}

/**
 * Tails a session from seq 0 over plain fetch ({@link readRawResumingStream}), resumed by hand and
 * skipping nothing. `stop` adds its counts to `options.counts` and reports its wire problems, and
 * a problem when it ended other than by being stopped (it gave up).
 */
export function rawTail(options: RawTailOptions): Tail {
  const { label, counts } = options;
  const events: StreamEvent[] = [];
  const controller = new AbortController();
  const reading = readRawResumingStream({
    baseUrl: options.baseUrl,
    token: options.token,
    sessionId: options.sessionId,
    signal: controller.signal,
    onEvent: (event) => events.push(event),
    maxEmptyConnections: RAW_TAIL_MAX_EMPTY_CONNECTIONS,
  });
  return trackTail(events, controller, reading, (result) => {
    counts.add(result);
    const problems = result.problems.map((problem) => `${label}: ${problem}`);
    if (result.ended !== 'aborted') problems.push(`${label}: the tail ${result.ended} after ${events.length} events`);
    return problems;
  });
}

/** The seq of the last persisted event in `events` (a delta, which has a `sub`, is skipped); 0 when none. */
export function lastPersistedSeq(events: StreamEvent[]): number {
  for (let index = events.length - 1; index >= 0; index--) {
    const event = events[index]!;
    if (!('sub' in event)) return event.seq;
  }
  return 0;
}

/**
 * The {@link Tail} around one reading that fills `events` until `controller` aborts it: alive
 * until `reading` settles, and `stop` aborts, waits, and turns what the reading resolved into
 * problems with `report`. Shared so both kinds of tail end and report the same way.
 */
function trackTail<Outcome>(
  events: StreamEvent[],
  controller: AbortController,
  reading: Promise<Outcome>,
  report: (outcome: Outcome) => string[],
): Tail {
  let ended = false;
  const settled = reading.finally(() => {
    ended = true;
  });
  return {
    events,
    lastSeq: () => lastPersistedSeq(events),
    alive: () => !ended,
    async stop() {
      controller.abort();
      return report(await settled);
    },
  };
}
