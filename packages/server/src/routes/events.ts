import { errors, type StreamEvent, type StreamPosition } from 'confab';
import { checkAfter, clampLimit, PAGE_LIMITS } from 'confab/store';
import { EventsQuerySchema, MessagesQuerySchema } from 'confab/wire';
import type { ServerContext } from '../context.js';
import { MESSAGE_PAGE_LIMITS, readMessagePage } from '../messages.js';
import { readQuery, wantsEventStream } from '../request-input.js';
import type { RouteTable } from '../route-table.js';
import { frameOfEvent, SseStream, untilAborted } from '../sse.js';
import { acquireStream } from '../stream-slots.js';
import { ownSession } from './sessions.js';

/**
 * Reading a session: `GET …/events` as a JSON page or as SSE (replay from `after` or
 * `Last-Event-ID`, then a live tail until the client leaves), and `GET …/messages`.
 */
export function registerEventRoutes(routes: RouteTable, server: ServerContext): void {
  const { pool, store } = server;

  routes.add('GET', '/v1/sessions/:id/events', async (context) => {
    const session = await ownSession(context, server);
    const query = readQuery(context, EventsQuerySchema);
    const after = checkAfter(query.after === undefined ? undefined : Number(query.after));
    if (!wantsEventStream(context)) {
      const limit = clampLimit(query.limit === undefined ? undefined : Number(query.limit), PAGE_LIMITS.events);
      const page = await store.readEvents(session.id, { after, limit });
      return context.json({ events: page.events, nextAfter: page.nextAfter });
    }
    const from = parseLastEventId(context.req.header('last-event-id')) ?? { seq: after };
    const { release, revokedSignal } = acquireStream(server, context, 'events', session.appId);
    const stream = new SseStream({
      heartbeatMs: server.heartbeatMs,
      requestSignal: context.req.raw.signal,
      shutdownSignal: server.streamsController.signal,
      revokedSignal,
      requestId: context.get('requestId'),
      logger: context.get('log'),
      onClose: release,
    });
    let events: AsyncGenerator<StreamEvent>;
    try {
      events = await pool.subscribe(session.id, from, stream.signal, { appId: session.appId });
    } catch (error) {
      release();
      throw error;
    }
    return stream.respond(async (send, signal) => {
      for await (const event of untilAborted(events, signal)) await send(frameOfEvent(event));
    });
  });

  routes.add('GET', '/v1/sessions/:id/messages', async (context) => {
    const session = await ownSession(context, server);
    const query = readQuery(context, MessagesQuerySchema);
    const limit = clampLimit(query.limit === undefined ? undefined : Number(query.limit), MESSAGE_PAGE_LIMITS);
    return context.json(await readMessagePage(store, session.id, query.cursor ?? null, limit));
  });
}

/**
 * Parses `Last-Event-ID`: `<seq>` or `<seq>.<sub>` as the session streams number their frames.
 * Absent or empty → null; anything else → 400.
 */
export function parseLastEventId(header: string | undefined): StreamPosition | null {
  if (header === undefined || header.trim() === '') return null;
  const match = /^(\d{1,15})(?:\.(\d{1,15}))?$/.exec(header.trim());
  if (!match) throw errors.invalidArgument('Last-Event-ID must be <seq> or <seq>.<sub>');
  return { seq: Number(match[1]), sub: match[2] === undefined ? 0 : Number(match[2]) };
}
