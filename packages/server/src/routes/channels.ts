import { toSession } from 'confab';
import { ChannelNameSchema, ResolveChannelRequestSchema } from 'confab/wire';
import type { Context } from 'hono';
import type { ServerContext, ServerEnv } from '../context.js';
import { checkModelName } from '../model-check.js';
import { pathParam, readJsonBody, validate } from '../request-input.js';
import type { RouteTable } from '../route-table.js';

/**
 * Channel routes of DESIGN §6: resolve the channel's active session (atomic check-and-create) and
 * rotate (archive the active one, start a new one). Both answer 200.
 */
export function registerChannelRoutes(routes: RouteTable, server: ServerContext): void {
  const { pool, limits } = server;

  routes.add('POST', '/v1/channels/:channel/resolve', async (context) => {
    const channel = channelOf(context);
    const body = await readJsonBody(context, ResolveChannelRequestSchema, limits.maxBodyBytes);
    await checkModelName(server, body.model);
    const appId = context.get('appId');
    // Resolving an existing session is a lookup: only a created one counts as a new session, so
    // an app out of budget still gets its channel's active session.
    try {
      server.sessionLimiter.check(appId);
    } catch (error) {
      const existing = await pool.activeSession(channel, { appId });
      if (!existing) throw error;
      return context.json({ session: toSession(existing), created: false });
    }
    const result = await pool.resolveSession(channel, {
      appId,
      agent: body.agent ?? null,
      model: body.model ?? null,
    });
    if (result.created) server.sessionLimiter.charge(appId);
    return context.json({ session: toSession(result.session), created: result.created });
  });

  routes.add('POST', '/v1/channels/:channel/rotate', async (context) => {
    const channel = channelOf(context);
    const appId = context.get('appId');
    // The new session keeps the agent and model of the one it replaces, as a rotation is a fresh
    // start of the same conversation partner, not a different one.
    server.sessionLimiter.take(appId);
    const previous = await pool.activeSession(channel, { appId });
    const result = await pool.rotateSession(channel, {
      appId,
      agent: previous?.agent ?? null,
      model: previous?.model ?? null,
      tools: previous?.tools,
    });
    return context.json({ session: toSession(result.session), archivedSessionId: result.archived?.id ?? null });
  });
}

function channelOf(context: Context<ServerEnv>): string {
  return validate(ChannelNameSchema, pathParam(context, 'channel'), 'channel');
}
