import { ConfabError, type SessionChanges, type SessionRecord, toSession } from 'confab';
import { clampLimit, PAGE_LIMITS } from 'confab/store';
import {
  CreateSessionRequestSchema,
  DeleteSessionQuerySchema,
  ForkRequestSchema,
  ListSessionsQuerySchema,
  UpdateSessionRequestSchema,
} from 'confab/wire';
import type { Context } from 'hono';
import type { ServerContext, ServerEnv } from '../context.js';
import { checkModelName } from '../model-check.js';
import { pathParam, readJsonBody, readQuery } from '../request-input.js';
import type { RouteTable } from '../route-table.js';

/**
 * Session routes of DESIGN §6: create, list, get, patch, close/delete, archive, snapshots, fork,
 * compact. Every route on an id checks ownership first, so another app's id is 404 whatever the
 * rest of the request says.
 */
export function registerSessionRoutes(routes: RouteTable, server: ServerContext): void {
  const { pool, store, limits } = server;

  routes.add('POST', '/v1/sessions', async (context) => {
    const body = await readJsonBody(context, CreateSessionRequestSchema, limits.maxBodyBytes);
    await checkModelName(server, body.model);
    checkMetaSize(server, body.meta);
    const appId = context.get('appId');
    server.sessionLimiter.take(appId);
    const result = await pool.createSession(body.channel ?? null, {
      appId,
      clientSessionId: body.clientSessionId ?? null,
      title: body.title ?? null,
      agent: body.agent ?? null,
      model: body.model ?? null,
      meta: body.meta ?? undefined,
      state: body.state ?? undefined,
      tools: body.tools ?? undefined,
    });
    return context.json({ session: toSession(result.session) }, result.created ? 201 : 200);
  });

  routes.add('GET', '/v1/sessions', async (context) => {
    const query = readQuery(context, ListSessionsQuerySchema);
    const page = await store.listSessions({
      appId: context.get('appId'),
      channel: query.channel,
      status: query.status ?? 'all',
      search: query.search ?? null,
      parentId: query.parentId ?? null,
      limit: clampLimit(query.limit === undefined ? undefined : Number(query.limit), PAGE_LIMITS.sessions),
      cursor: query.cursor ?? null,
    });
    return context.json({ sessions: page.sessions.map(toSession), nextCursor: page.nextCursor });
  });

  routes.add('GET', '/v1/sessions/:id', async (context) => {
    const session = await ownSession(context, server);
    return context.json({ session: toSession(session) });
  });

  routes.add('PATCH', '/v1/sessions/:id', async (context) => {
    const current = await ownSession(context, server);
    const body = await readJsonBody(context, UpdateSessionRequestSchema, limits.maxBodyBytes);
    await checkModelName(server, body.model);
    const session = await pool.updateSession(current.id, body as SessionChanges, {
      appId: current.appId,
      maxMetaBytes: limits.maxMetaBytes,
    });
    return context.json({ session: toSession(session) });
  });

  routes.add('DELETE', '/v1/sessions/:id', async (context) => {
    const sessionId = pathParam(context, 'id');
    const scope = { appId: context.get('appId') };
    const query = readQuery(context, DeleteSessionQuerySchema);
    if (query.hard === 'true') {
      await pool.deleteSession(sessionId, scope);
      return context.json({ ok: true, deleted: true });
    }
    await pool.getSession(sessionId, scope);
    const result = await pool.closeSession(sessionId, scope);
    return context.json({ ok: true, alreadyClosed: result.alreadyClosed });
  });

  routes.add('POST', '/v1/sessions/:id/archive', async (context) => {
    const session = await pool.archiveSession(pathParam(context, 'id'), { appId: context.get('appId') });
    return context.json({ session: toSession(session) });
  });

  routes.add('GET', '/v1/sessions/:id/snapshots', async (context) => {
    const session = await ownSession(context, server);
    return context.json({ snapshots: await store.listSnapshots(session.id) });
  });

  routes.add('POST', '/v1/sessions/:id/fork', async (context) => {
    const source = await ownSession(context, server);
    const body = await readJsonBody(context, ForkRequestSchema, limits.maxBodyBytes);
    server.sessionLimiter.take(source.appId);
    // Absent snapshotId means the latest snapshot (DESIGN §6), which `undefined` asks the store for.
    const fork = await pool.forkSession(source.id, { appId: source.appId, snapshotId: body.snapshotId ?? undefined });
    return context.json({ session: toSession(fork) }, 201);
  });

  routes.add('POST', '/v1/sessions/:id/compact', async (context) => {
    const session = await ownSession(context, server);
    const result = await pool.compactSession(session.id, { appId: session.appId });
    return context.json({
      compacted: result.compacted,
      summary: result.compacted ? result.summary : null,
      throughSeq: result.compacted ? result.throughSeq : null,
    });
  });
}

/** The session of the `:id` path parameter when it belongs to the caller's app, else `not_found`. */
export function ownSession(context: Context<ServerEnv>, server: ServerContext): Promise<SessionRecord> {
  return server.pool.getSession(pathParam(context, 'id'), { appId: context.get('appId') });
}

/** The same cap on create as on PATCH, so no session starts with a `meta` no PATCH could leave. */
function checkMetaSize(server: ServerContext, meta: unknown): void {
  if (meta === undefined || meta === null) return;
  if (Buffer.byteLength(JSON.stringify(meta)) > server.limits.maxMetaBytes) {
    throw new ConfabError('payload_too_large', `meta would be over the limit of ${server.limits.maxMetaBytes} bytes`);
  }
}
