import { ConfabClientError } from './errors.js';
import { resumableEventStream } from './event-stream.js';
import { type HttpClient, segment } from './http.js';
import { newIdempotencyKey } from './ids.js';
import { answerPendingWork, type TurnHandlers } from './tool-handlers.js';
import { pendingWork, TurnResult } from './turn-result.js';
import type { ResumeAnswers, SessionEvent, StreamEvent, WireTurn } from './types.js';

/** Options of a turn call (`session.turn`, `session.stream`). */
export interface TurnOptions extends TurnHandlers {
  /** File tokens from `client.files.upload`. */
  files?: string[];
  /** The turn ends with `stopReason: "timeout"` after this long. */
  timeoutMs?: number;
  /** The model of this turn only. */
  model?: string;
  /**
   * Makes retries of this turn safe: the server runs a key's turn once and answers repeats with
   * it. Generated when omitted; pass your own to make retries across processes safe too.
   */
  idempotencyKey?: string;
  /** Aborts the call (not the turn: use `session.stop()` for that). */
  signal?: AbortSignal;
}

/** Options of a resume call (`session.resume`, `session.resumeStream`). */
export interface ResumeOptions extends TurnHandlers {
  signal?: AbortSignal;
}

/** Where turn calls go: the HTTP client and the session's id. */
export interface TurnTarget {
  http: HttpClient;
  sessionId: string;
}

/** Runs a turn (`POST …/turns`, JSON), then answers its interrupts with the handlers until it ends. */
export async function runTurn(target: TurnTarget, input: string, options: TurnOptions): Promise<TurnResult> {
  const answer = await target.http.json<{ turn: WireTurn }>({
    method: 'POST',
    path: sessionPath(target, 'turns'),
    json: turnBody(input, options),
    headers: { 'Idempotency-Key': options.idempotencyKey ?? newIdempotencyKey() },
    retrySafe: true,
    signal: options.signal,
  });
  return continueWithHandlers(target, new TurnResult(answer.turn), options);
}

/** Resumes an interrupted turn (`POST …/resume`, JSON) and goes on like {@link runTurn}. */
export async function runResume(
  target: TurnTarget,
  answers: ResumeAnswers,
  options: ResumeOptions,
): Promise<TurnResult> {
  return continueWithHandlers(target, await postResume(target, answers, options.signal), options);
}

/**
 * Streams a turn (`POST …/turns` as SSE, re-attaching through `GET …/events` when the connection
 * drops), then answers its interrupts with the handlers, streaming each resume, until it ends.
 */
export async function streamTurn(
  target: TurnTarget,
  input: string,
  options: TurnOptions,
  signal: AbortSignal,
  emit: (event: StreamEvent) => void,
): Promise<TurnResult> {
  const key = options.idempotencyKey ?? newIdempotencyKey();
  const events: SessionEvent[] = [];
  await pipe(
    resumableEventStream({
      http: target.http,
      sessionId: target.sessionId,
      open: (openSignal) =>
        target.http.send({
          method: 'POST',
          path: sessionPath(target, 'turns'),
          json: turnBody(input, options),
          headers: { 'Idempotency-Key': key },
          eventStream: true,
          retrySafe: false,
          signal: openSignal,
        }),
      // The key makes a second POST replay the same turn instead of running another.
      reopenable: true,
      isLast: isTurnEnd,
      signal,
    }),
    events,
    emit,
  );
  return continueStreaming(target, events, options, signal, emit);
}

/** Streams a resume (`POST …/resume` as SSE) and goes on like {@link streamTurn}. */
export async function streamResume(
  target: TurnTarget,
  answers: ResumeAnswers,
  options: ResumeOptions,
  signal: AbortSignal,
  emit: (event: StreamEvent) => void,
): Promise<TurnResult> {
  const events: SessionEvent[] = [];
  await pipe(resumeStream(target, answers, signal), events, emit);
  return continueStreaming(target, events, options, signal, emit);
}

async function continueWithHandlers(
  target: TurnTarget,
  first: TurnResult,
  handlers: TurnHandlers & { signal?: AbortSignal },
): Promise<TurnResult> {
  let result = first;
  while (result.stopReason === 'interrupted') {
    const answers = await answerPendingWork(pendingWork(result.events), handlers, target.sessionId, handlers.signal);
    if (!answers) break;
    result = await postResume(target, answers, handlers.signal);
  }
  return result;
}

async function continueStreaming(
  target: TurnTarget,
  events: SessionEvent[],
  handlers: TurnHandlers,
  signal: AbortSignal,
  emit: (event: StreamEvent) => void,
): Promise<TurnResult> {
  for (;;) {
    const result = TurnResult.fromEvents(events);
    if (!result) throw new ConfabClientError('a turn stream ended without its turn-end');
    if (result.stopReason !== 'interrupted') return result;
    const answers = await answerPendingWork(pendingWork(events), handlers, target.sessionId, signal);
    if (!answers) return result;
    await pipe(resumeStream(target, answers, signal), events, emit);
  }
}

function resumeStream(target: TurnTarget, answers: ResumeAnswers, signal: AbortSignal): AsyncGenerator<StreamEvent> {
  return resumableEventStream({
    http: target.http,
    sessionId: target.sessionId,
    open: (openSignal) =>
      target.http.send({
        method: 'POST',
        path: sessionPath(target, 'resume'),
        json: answers,
        eventStream: true,
        retrySafe: false,
        signal: openSignal,
      }),
    isLast: isTurnEnd,
    signal,
  });
}

async function postResume(target: TurnTarget, answers: ResumeAnswers, signal: AbortSignal | undefined) {
  const answer = await target.http.json<{ turn: WireTurn }>({
    method: 'POST',
    path: sessionPath(target, 'resume'),
    json: answers,
    // A resume that took effect answers 412 when repeated, so a lost answer must not be retried.
    retrySafe: false,
    signal,
  });
  return new TurnResult(answer.turn);
}

async function pipe(
  source: AsyncIterable<StreamEvent>,
  persisted: SessionEvent[],
  emit: (event: StreamEvent) => void,
): Promise<void> {
  for await (const event of source) {
    if (!('sub' in event)) persisted.push(event);
    emit(event);
  }
}

function isTurnEnd(event: StreamEvent): boolean {
  return event.type === 'turn-end';
}

function turnBody(input: string, options: TurnOptions): Record<string, unknown> {
  const body: Record<string, unknown> = { input };
  if (options.files !== undefined) body.files = options.files;
  if (options.timeoutMs !== undefined) body.timeoutMs = options.timeoutMs;
  if (options.model !== undefined) body.model = options.model;
  return body;
}

function sessionPath(target: TurnTarget, action: string): string {
  return `/v1/sessions/${segment(target.sessionId)}/${action}`;
}
