import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ApiToken, type App, errors, type FileRecord, type NewFile } from 'confab';
import { buildApiToken, buildApp, buildFileRecord } from 'confab/store';
import { type Durability, hasErrorCode, readJsonFile, removeFile, writeFileAtomic } from './atomic-file.js';
import type { WarningLogger } from './event-log.js';
import { Mutex } from './session-mutex.js';
import type { StoreLayout } from './store-layout.js';

const copy = <T>(value: T): T => structuredClone(value);

function readList<T>(value: unknown, key: string): T[] {
  if (value === undefined) return [];
  const list = (value as Record<string, unknown> | null)?.[key];
  if (!Array.isArray(list)) throw new Error(`${key} file is malformed`);
  return list as T[];
}

/**
 * Apps, hashed tokens and uploaded files: the store's tenant-wide state, independent of sessions.
 * Apps and tokens are few, so each kind lives in one file rewritten atomically on every change.
 * A file is two files, its bytes and its record; the record is written last and is the commit.
 * Memory holds the records (never file bytes). Callers check that the store is open.
 */
export class Registry {
  private readonly apps = new Map<string, App>();
  private readonly tokens = new Map<string, ApiToken>();
  private readonly files = new Map<string, FileRecord>();
  private readonly accountsLock = new Mutex();
  private readonly filesLock = new Mutex();

  constructor(
    private readonly layout: StoreLayout,
    private readonly durability: Durability,
    private readonly logger: WarningLogger,
    private readonly now: () => Date,
  ) {}

  /** Reads everything from disk, removing file bytes whose record never committed. */
  async load(): Promise<void> {
    for (const app of readList<App>(await readJsonFile(this.layout.appsFile), 'apps')) this.apps.set(app.id, app);
    for (const token of readList<ApiToken>(await readJsonFile(this.layout.tokensFile), 'tokens')) {
      this.tokens.set(token.id, token);
    }
    const names = await readdir(this.layout.filesDirectory);
    const records = new Set<string>();
    for (const name of names.filter((entry) => entry.endsWith('.json'))) {
      const path = join(this.layout.filesDirectory, name);
      try {
        const record = JSON.parse(await readFile(path, 'utf8')) as FileRecord;
        this.files.set(record.token, record);
        records.add(name.slice(0, -'.json'.length));
      } catch (error) {
        this.logger.warn(`jsonl store: skipped unreadable file record ${path}: ${String(error)}`);
      }
    }
    for (const name of names.filter((entry) => entry.endsWith('.bin'))) {
      if (!records.has(name.slice(0, -'.bin'.length))) await removeFile(join(this.layout.filesDirectory, name));
    }
  }

  /** Creates an app; returns the existing one when the id is taken (idempotent). */
  async createApp(input: { id: string; name: string }): Promise<App> {
    return this.accountsLock.run(async () => {
      const existing = this.apps.get(input.id);
      if (existing) return copy(existing);
      const app: App = buildApp(input, this.now().toISOString());
      await this.saveApps([...this.apps.values(), app]);
      this.apps.set(app.id, app);
      return copy(app);
    });
  }

  /** The app, or null. */
  getApp(appId: string): App | null {
    const app = this.apps.get(appId);
    return app ? copy(app) : null;
  }

  /** Every app. */
  listApps(): App[] {
    return [...this.apps.values()].map(copy);
  }

  /** Stores a token by its hash; `not_found` without the app, `conflict` for a taken id or hash. */
  async createToken(input: { id: string; appId: string; tokenHash: string; label?: string | null }): Promise<ApiToken> {
    return this.accountsLock.run(async () => {
      if (!this.apps.has(input.appId)) throw errors.notFound('app', input.appId);
      if (this.tokens.has(input.id)) throw errors.conflict(`token ${input.id} exists`);
      if ([...this.tokens.values()].some((token) => token.tokenHash === input.tokenHash)) {
        throw errors.conflict('a token with this hash exists');
      }
      const token = buildApiToken(input, this.now().toISOString());
      const next = new Map(this.tokens).set(token.id, token);
      await this.saveTokens([...next.values()]);
      this.tokens.set(token.id, token);
      return copy(token);
    });
  }

  /** The unrevoked token with this hash, or null. */
  findToken(tokenHash: string): ApiToken | null {
    const token = [...this.tokens.values()].find((candidate) => candidate.tokenHash === tokenHash);
    return token && token.revokedAt === null ? copy(token) : null;
  }

  /** The app's tokens, revoked ones included. */
  listTokens(appId: string): ApiToken[] {
    return [...this.tokens.values()].filter((token) => token.appId === appId).map(copy);
  }

  /** Revokes a token; false when missing or already revoked. */
  async revokeToken(tokenId: string): Promise<boolean> {
    return this.accountsLock.run(async () => {
      const token = this.tokens.get(tokenId);
      if (!token || token.revokedAt !== null) return false;
      const revoked = { ...token, revokedAt: this.now().toISOString() };
      await this.saveTokens([...new Map(this.tokens).set(tokenId, revoked).values()]);
      this.tokens.set(tokenId, revoked);
      return true;
    });
  }

  /** Stores a file's bytes, then its record; `conflict` for a taken token. */
  async putFile(input: NewFile): Promise<FileRecord> {
    return this.filesLock.run(async () => {
      if (this.files.has(input.token)) throw errors.conflict('file token exists');
      const file = buildFileRecord(input, this.now().toISOString());
      await writeFileAtomic(this.layout.fileDataFile(file.token), new Uint8Array(input.data), this.durability);
      await writeFileAtomic(this.layout.fileRecordFile(file.token), JSON.stringify(file), this.durability);
      this.files.set(file.token, file);
      return copy(file);
    });
  }

  /** The file with its bytes when it belongs to `appId` and has not expired at `now`. */
  async getFile(appId: string, token: string, now: Date): Promise<{ file: FileRecord; data: Uint8Array } | null> {
    const file = this.files.get(token);
    if (!file || file.appId !== appId || Date.parse(file.expiresAt) <= now.getTime()) return null;
    try {
      const data = await readFile(this.layout.fileDataFile(token));
      return { file: copy(file), data: new Uint8Array(data) };
    } catch (error) {
      if (!hasErrorCode(error, 'ENOENT')) throw error;
      this.logger.warn(`jsonl store: the bytes of file ${token} are missing`);
      return null;
    }
  }

  /** Deletes the files expired at `now`; returns how many. */
  async deleteExpiredFiles(now: Date): Promise<number> {
    return this.filesLock.run(async () => {
      const expired = [...this.files.values()].filter((file) => Date.parse(file.expiresAt) <= now.getTime());
      for (const file of expired) await this.removeFileRecord(file.token);
      return expired.length;
    });
  }

  /** Removes the files attached to a session (part of its hard delete). */
  async deleteSessionFiles(sessionId: string): Promise<void> {
    await this.filesLock.run(async () => {
      for (const file of [...this.files.values()]) {
        if (file.sessionId === sessionId) await this.removeFileRecord(file.token);
      }
    });
  }

  private async removeFileRecord(token: string): Promise<void> {
    // The record goes first: without it the bytes are an orphan that the next open removes.
    await removeFile(this.layout.fileRecordFile(token));
    this.files.delete(token);
    await removeFile(this.layout.fileDataFile(token));
  }

  private saveApps(apps: App[]): Promise<void> {
    return writeFileAtomic(this.layout.appsFile, JSON.stringify({ format: 1, apps }), this.durability);
  }

  private saveTokens(tokens: ApiToken[]): Promise<void> {
    return writeFileAtomic(this.layout.tokensFile, JSON.stringify({ format: 1, tokens }), this.durability);
  }
}
