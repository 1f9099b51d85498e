import { errors } from '../../errors.js';
import type { ApiToken, App } from '../../model/records.js';
import { buildApiToken, buildApp } from '../kit/session-record.js';

/**
 * The apps and API tokens of `MemoryStore`. It hands out its own records; the store copies them.
 * The clock `at` is read only once a record is written, so a failed or idempotent call leaves a
 * ticking test clock where it was.
 */
export class MemoryAccounts {
  private readonly apps = new Map<string, App>();
  private readonly tokens = new Map<string, ApiToken>();

  /** Creates an app, or returns the existing one with this id (idempotent). */
  createApp(input: { id: string; name: string }, at: () => string): App {
    const existing = this.apps.get(input.id);
    if (existing) return existing;
    const app: App = buildApp(input, at());
    this.apps.set(app.id, app);
    return app;
  }

  getApp(appId: string): App | null {
    return this.apps.get(appId) ?? null;
  }

  listApps(): App[] {
    return [...this.apps.values()];
  }

  createToken(
    input: { id: string; appId: string; tokenHash: string; label?: string | null },
    at: () => string,
  ): ApiToken {
    if (!this.apps.has(input.appId)) throw errors.notFound('app', input.appId);
    if (this.tokens.has(input.id)) throw errors.conflict(`token ${input.id} exists`);
    if ([...this.tokens.values()].some((token) => token.tokenHash === input.tokenHash)) {
      throw errors.conflict('a token with this hash exists');
    }
    const token = buildApiToken(input, at());
    this.tokens.set(token.id, token);
    return token;
  }

  /** The unrevoked token with this hash, or null. */
  findToken(tokenHash: string): ApiToken | null {
    const token = [...this.tokens.values()].find((candidate) => candidate.tokenHash === tokenHash);
    return token && token.revokedAt === null ? token : null;
  }

  listTokens(appId: string): ApiToken[] {
    return [...this.tokens.values()].filter((token) => token.appId === appId);
  }

  /** False when the token is missing or already revoked. */
  revokeToken(tokenId: string, at: () => string): boolean {
    const token = this.tokens.get(tokenId);
    if (!token || token.revokedAt !== null) return false;
    token.revokedAt = at();
    return true;
  }
}
