import { ConfabError, type ResumeAnswers, type TurnHandle } from 'confab';
import { InputRequestSchema, ResumeRequestSchema, TurnRequestSchema } from 'confab/wire';
import type { Context } from 'hono';
import type { ServerContext, ServerEnv } from '../context.js';
import { checkModelName } from '../model-check.js';
import { idempotencyKey, readJsonBody, wantsEventStream } from '../request-input.js';
import type { RouteTable } from '../route-table.js';
import { frameOfEvent, SseStream, untilAborted } from '../sse.js';
import { acquireStream } from '../stream-slots.js';
import { ownSession } from './sessions.js';

/**
 * Turn routes of DESIGN §6: run a turn, queue an input, resume an interrupted turn, stop. A turn
 * answers JSON once it ended, or streams as SSE with `Accept: text/event-stream`. A client that
 * leaves never stops a turn: only `POST …/stop` does.
 */
export function registerTurnRoutes(routes: RouteTable, server: ServerContext): void {
  const { pool, limits } = server;

  routes.add('POST', '/v1/sessions/:id/turns', async (context) => {
    const session = await ownSession(context, server);
    const body = await readJsonBody(context, TurnRequestSchema, limits.maxBodyBytes);
    checkInputLength(server, body.input);
    await checkModelName(server, body.model);
    const key = idempotencyKey(context);
    return runTurnRequest(context, server, session.appId, () =>
      pool.chat(
        session.id,
        { text: body.input, files: body.files ?? [], idempotencyKey: key },
        {
          appId: session.appId,
          model: body.model ?? undefined,
          timeoutMs: body.timeoutMs ?? undefined,
          maxInputFileBytes: limits.maxTurnFileBytes,
        },
      ),
    );
  });

  routes.add('POST', '/v1/sessions/:id/resume', async (context) => {
    const session = await ownSession(context, server);
    const body = await readJsonBody(context, ResumeRequestSchema, limits.maxBodyBytes);
    const answers: ResumeAnswers = {};
    if (body.toolResults) answers.toolResults = body.toolResults;
    if (body.approvals) answers.approvals = body.approvals;
    return runTurnRequest(context, server, session.appId, () =>
      pool.resume(session.id, answers, { appId: session.appId }),
    );
  });

  routes.add('POST', '/v1/sessions/:id/inputs', async (context) => {
    const session = await ownSession(context, server);
    const body = await readJsonBody(context, InputRequestSchema, limits.maxBodyBytes);
    checkInputLength(server, body.input);
    const key = idempotencyKey(context);
    server.queuedInputs.check(session.appId);
    server.rateLimiter.take(session.appId);
    const { input, created } = await pool.send(
      session.id,
      { text: body.input, files: body.files ?? [], idempotencyKey: key },
      { appId: session.appId, maxInputFileBytes: limits.maxTurnFileBytes },
    );
    if (created) {
      server.queuedInputs.add(session.appId, session.id, input.id);
      // The batched turn asks for its app's slot on a later tick; this spares it a store read.
      server.sessionApps.set(session.id, session.appId);
    }
    return context.json({ inputId: input.id }, 202);
  });

  routes.add('POST', '/v1/sessions/:id/stop', async (context) => {
    const session = await ownSession(context, server);
    const stopped = await pool.stop(session.id, { appId: session.appId });
    return context.json({ ok: true, stopped });
  });
}

/**
 * Runs a turn request. JSON: waits for the turn's end and answers `{ turn }`. SSE: waits until the
 * turn got its turn (so `turn_in_progress`, `session_closed` and the like still get their status),
 * then streams its events and ends after its `turn-end`. Every slot (rate, running turns, open
 * streams) is taken before the turn starts, so a full server refuses rather than run a turn that
 * nobody can watch; the running-turn slot is freed when the turn settles, not when the client leaves.
 * An app over its share of running turns or streams gets 429; a full server 503.
 */
async function runTurnRequest(
  context: Context<ServerEnv>,
  server: ServerContext,
  appId: string,
  start: () => Promise<TurnHandle>,
): Promise<Response> {
  const streaming = wantsEventStream(context);
  server.rateLimiter.take(appId);
  const slot = streaming ? acquireStream(server, context, 'turn', appId) : null;
  let handle: TurnHandle;
  try {
    const settle = server.runningTurns.acquire(appId);
    try {
      handle = await start();
    } catch (error) {
      settle();
      throw error;
    }
    handle.result.then(settle, settle);
    if (streaming) await handle.started;
  } catch (error) {
    slot?.release();
    throw error;
  }
  if (!slot) return context.json({ turn: await handle.result });
  const stream = new SseStream({
    heartbeatMs: server.heartbeatMs,
    requestSignal: context.req.raw.signal,
    // A revoked token stops seeing the turn; the turn itself goes on (only a stop ends it).
    revokedSignal: slot.revokedSignal,
    requestId: context.get('requestId'),
    logger: context.get('log'),
    onClose: slot.release,
  });
  // A turn that fails after it started throws out of the iteration: the stream ends with the error.
  return stream.respond(async (send, signal) => {
    for await (const event of untilAborted(handle, signal)) await send(frameOfEvent(event));
  });
}

function checkInputLength(server: ServerContext, input: string): void {
  if (input.length > server.limits.maxInputChars) {
    throw new ConfabError(
      'payload_too_large',
      `the input is over the limit of ${server.limits.maxInputChars} characters`,
    );
  }
}
