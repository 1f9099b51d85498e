import type { LifecycleTransport } from 'confab';
import type { SessionStore } from 'confab/store';
import { CliError } from '../cli-error.js';
import type { StoreSpec } from './config.js';

/** A store and, for stores shared by several processes, the transport of their lifecycle events. */
export interface OpenedStore {
  store: SessionStore;
  /** Carries lifecycle events between processes (PostgreSQL); null for single-process stores. */
  lifecycleTransport: (LifecycleTransport & { close?: () => Promise<void> }) | null;
}

/**
 * Opens and migrates the store of `spec`. Store packages are imported on demand, so a deployment
 * only loads the driver it uses. PostgreSQL needs `@confab/postgres`; without it the error says so.
 */
export async function openStore(spec: StoreSpec): Promise<OpenedStore> {
  const opened = await createStore(spec);
  const { store } = opened;
  try {
    await store.migrate();
  } catch (error) {
    await store.close().catch(() => undefined);
    await opened.lifecycleTransport?.close?.().catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    throw new CliError(`the store ${describeStore(spec)} could not be opened: ${reason}`, 1);
  }
  return opened;
}

/** The store for messages, without the password a PostgreSQL URL may carry. */
export function describeStore(spec: StoreSpec): string {
  if (spec.kind === 'sqlite') return `sqlite:${spec.filename}`;
  if (spec.kind === 'jsonl') return `jsonl:${spec.directory}`;
  try {
    const url = new URL(spec.url);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return 'postgres://…';
  }
}

async function createStore(spec: StoreSpec): Promise<OpenedStore> {
  if (spec.kind === 'sqlite') {
    const { SqliteStore } = await import('@confab/sqlite');
    return { store: new SqliteStore({ filename: spec.filename }), lifecycleTransport: null };
  }
  if (spec.kind === 'jsonl') {
    const { JsonlStore } = await import('@confab/jsonl');
    return { store: new JsonlStore({ directory: spec.directory }), lifecycleTransport: null };
  }
  type Constructor<T> = new (options: {
    connectionString: string;
    listenConnectionString?: string;
    preparedStatements?: boolean;
  }) => T;
  const module = await importOptional('@confab/postgres');
  const PostgresStore = module?.PostgresStore as Constructor<SessionStore> | undefined;
  const Transport = module?.PostgresLifecycleTransport as Constructor<OpenedStore['lifecycleTransport']> | undefined;
  const postgresOptions = {
    connectionString: spec.url,
    ...(spec.listenUrl ? { listenConnectionString: spec.listenUrl } : {}),
    ...(spec.preparedStatements === false ? { preparedStatements: false } : {}),
  };
  if (!PostgresStore) {
    throw new CliError(
      'the postgres store is not available yet: package @confab/postgres is not installed. ' +
        'Use --store sqlite:<file> (the default) or jsonl:<dir> for now.',
    );
  }
  return {
    store: new PostgresStore(postgresOptions),
    // Several servers on one database: each one's lifecycle subscribers see every server's events.
    lifecycleTransport: Transport ? new Transport(postgresOptions) : null,
  };
}

async function importOptional(name: string): Promise<Record<string, unknown> | null> {
  try {
    // A variable specifier keeps an optional package out of the type graph.
    const specifier = name;
    return (await import(specifier)) as Record<string, unknown>;
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return null;
    throw error;
  }
}

/**
 * Opens the store of `spec`, runs `body` with it and closes it again, also when `body` fails, so a
 * one-shot command never leaves a SQLite write lock or a jsonl directory lock behind.
 */
export async function withStore<T>(spec: StoreSpec, body: (store: SessionStore) => Promise<T>): Promise<T> {
  const { store, lifecycleTransport } = await openStore(spec);
  try {
    return await body(store);
  } finally {
    await store.close().catch(() => undefined);
    await lifecycleTransport?.close?.().catch(() => undefined);
  }
}

/** The apps-and-tokens part of a store: what `confab token` uses. */
export type AccountStore = Pick<
  SessionStore,
  'createApp' | 'getApp' | 'listApps' | 'createToken' | 'listTokens' | 'revokeToken'
>;

/**
 * Like {@link withStore} for the apps and tokens only, and it also works while a server holds the
 * store: SQLite and PostgreSQL are opened alongside it; a JSONL store that another process holds
 * (it is single-process) is asked through its request files, which that process applies (see
 * `@confab/jsonl`), so tokens are created and revoked without stopping the server.
 */
export async function withAccounts<T>(spec: StoreSpec, body: (accounts: AccountStore) => Promise<T>): Promise<T> {
  if (spec.kind !== 'jsonl') return withStore(spec, body);
  const { JsonlStore, jsonlAccountsOfRunningStore } = await import('@confab/jsonl');
  const store = new JsonlStore({ directory: spec.directory });
  try {
    await store.migrate();
  } catch (error) {
    await store.close().catch(() => undefined);
    const failure = error as { code?: unknown; details?: { reason?: unknown } };
    if (failure.code === 'failed_precondition' && failure.details?.reason === 'store_in_use') {
      return body(jsonlAccountsOfRunningStore(spec.directory));
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new CliError(`the store ${describeStore(spec)} could not be opened: ${reason}`, 1);
  }
  try {
    return await body(store);
  } finally {
    await store.close().catch(() => undefined);
  }
}
