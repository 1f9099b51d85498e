import type { Session, StreamEvent, TurnResult } from '@confab/client';
import { type RawStreamResult, readRawResumingStream } from './raw-resuming-stream.js';
import type { SeededRandom } from './seeded-random.js';

/** Words the inputs are drawn from: varied lengths, so cuts land at many offsets within frames. */
const WORDS = ['harbour', 'tram', 'azulejo', 'fado', 'river', 'hill', 'pastel', 'sardine', 'castle', 'miradouro'];

/**
 * Connections in a row that deliver nothing, not even a heartbeat, before a raw turn gives up:
 * some cuts land before the first `: connected` comment, so a few empty ones in a row are
 * expected; thirty means the turn never resumed.
 */
const RAW_TURN_MAX_EMPTY_CONNECTIONS = 30;

/** One turn's input, the model it runs on, and the answer the echo model must give. */
export interface TurnPlan {
  input: string;
  /** `paced:x` for a turn that streams slowly; undefined for the server's default echo model. */
  model?: string;
  answer: string;
}

/**
 * Plans one turn from `random`, its input starting with `tag` (so inputs are unique and name their
 * session and turn): a `/sleep` turn (the server sends only heartbeats for a while), a long turn
 * on plain echo (deltas in one burst), or a long turn on the paced model (deltas spread out). The
 * same generator state gives the same plan.
 */
export function planTurn(random: SeededRandom, tag: string): TurnPlan {
  const words = (count: number) => Array.from({ length: count }, () => random.pick(WORDS)).join(' ');
  const kind = random.pick(['long', 'sleep', 'paced'] as const);
  if (kind === 'sleep') {
    const text = `${tag} ${words(random.integer(6, 30))}`;
    return { input: `/sleep ${random.integer(50, 600)} ${text}`, answer: `echo: ${text}` };
  }
  const input = `${tag} ${words(random.integer(15, 60))}`;
  return { input, model: kind === 'paced' ? 'paced:x' : undefined, answer: `echo: ${input}` };
}

/** Everything one turn stream delivered, and the turn it belonged to. */
export interface StreamedTurn {
  /** Every event in arrival order. */
  events: StreamEvent[];
  /** The turn's index in the log; null when the stream never told it (it failed or had no turn-end). */
  turnIndex: number | null;
  /** What went wrong, each prefixed with the turn's label; empty when the turn went through. */
  problems: string[];
}

/**
 * Streams one turn through the client SDK (`session.stream`), which must resume on its own. A
 * problem is reported when the stream throws (including when `watchdogMs` passes first), or when
 * the turn did not stop with `stop` or did not answer `plan.answer`. It never throws itself.
 */
export async function clientTurn(
  session: Session,
  plan: TurnPlan,
  label: string,
  watchdogMs: number,
): Promise<StreamedTurn> {
  const events: StreamEvent[] = [];
  const stream = session.stream(plan.input, { model: plan.model, signal: AbortSignal.timeout(watchdogMs) });
  try {
    for await (const event of stream) events.push(event);
    const result: TurnResult = await stream.result;
    const problems: string[] = [];
    if (result.stopReason !== 'stop') problems.push(`${label}: stopReason ${result.stopReason}`);
    if (result.text() !== plan.answer) problems.push(`${label}: answered ${JSON.stringify(result.text())}`);
    return { events, turnIndex: result.index, problems };
  } catch (error) {
    return {
      events,
      turnIndex: null,
      problems: [`${label}: the stream failed after ${events.length} events: ${error}`],
    };
  }
}

/** Options of {@link rawTurn}. */
export interface RawTurnOptions {
  /** Where the turn is POSTed: the flaky proxy's URL. */
  baseUrl: string;
  token: string;
  sessionId: string;
  plan: TurnPlan;
  /** Names the turn in problems; also makes its `Idempotency-Key`, so it must be unique per turn. */
  label: string;
  /** Receives the stream's connections, resumes and re-POSTs. */
  counts: RawCounts;
  /** The turn is given up after this long: a turn that has not ended by then never resumed. */
  watchdogMs: number;
}

/**
 * Streams one turn over plain fetch ({@link readRawResumingStream}), resumed by hand and skipping
 * nothing, and adds its counts to `options.counts`. A problem is reported for every wire problem
 * of the stream, when it did not reach a `turn-end`, and when its `message` is not `plan.answer`.
 * It never throws.
 */
export async function rawTurn(options: RawTurnOptions): Promise<StreamedTurn> {
  const { plan, label } = options;
  const raw = await readRawResumingStream({
    baseUrl: options.baseUrl,
    token: options.token,
    sessionId: options.sessionId,
    turn: { input: plan.input, model: plan.model, idempotencyKey: `key-${label.replaceAll(' ', '-')}` },
    isLast: (event) => event.type === 'turn-end',
    signal: AbortSignal.timeout(options.watchdogMs),
    maxEmptyConnections: RAW_TURN_MAX_EMPTY_CONNECTIONS,
  });
  options.counts.add(raw);
  const problems = raw.problems.map((problem) => `${label}: ${problem}`);
  if (raw.ended !== 'last') problems.push(`${label}: no turn-end (${raw.ended}) after ${raw.events.length} events`);
  const last = raw.events.at(-1);
  const message = raw.events.find((event) => event.type === 'message');
  if (message?.type === 'message' && message.data.text !== plan.answer) {
    problems.push(`${label}: answered ${JSON.stringify(message.data.text)}`);
  }
  return { events: raw.events, turnIndex: last?.type === 'turn-end' ? last.turn : null, problems };
}

/** Connections, resumes and re-POSTs of the raw streams (turns and tails), summed over all of them. */
export class RawCounts {
  connections = 0;
  resumes = 0;
  deltaResumes = 0;
  reopens = 0;

  /** Adds one finished raw stream's counts. */
  add(result: RawStreamResult): void {
    this.connections += result.connections;
    this.resumes += result.resumes;
    this.deltaResumes += result.deltaResumes;
    this.reopens += result.reopens;
  }
}
