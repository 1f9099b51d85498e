import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonlStore } from '@confab/jsonl';
import { PostgresStore } from '@confab/postgres';
import { SqliteStore } from '@confab/sqlite';
import type { NewEvent } from 'confab';
import type { SessionStore } from 'confab/store';

/** A store under benchmark, with the way to dispose of it and its files. */
export interface BenchStore {
  name: string;
  store: SessionStore;
  dispose(): Promise<void>;
}

/** The durable stores of this repository, each in a fresh temporary location. */
export const STORE_FACTORIES: Record<string, () => Promise<BenchStore>> = {
  sqlite: async () => {
    const directory = mkdtempSync(join(tmpdir(), 'confab-bench-sqlite-'));
    const store = new SqliteStore({ filename: join(directory, 'bench.db') });
    await store.migrate();
    return { name: 'sqlite', store, dispose: disposer(store, directory) };
  },
  jsonl: async () => {
    const directory = mkdtempSync(join(tmpdir(), 'confab-bench-jsonl-'));
    const store = new JsonlStore({ directory });
    await store.migrate();
    return { name: 'jsonl', store, dispose: disposer(store, directory) };
  },
};

function disposer(store: SessionStore, directory: string) {
  return async () => {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  };
}

/** One chat turn as the runner writes it: input, turn-start, assistant message, turn-end. */
export function turnEvents(turn: number, text = 'hello there, how are you doing today?'): NewEvent[] {
  const inputId = `in_${turn}`;
  return [
    { type: 'input', turn, data: { inputId, text } },
    { type: 'turn-start', turn, data: { inputIds: [inputId], inputCount: 1, model: 'echo' } },
    { type: 'message', turn, data: { messageId: `msg_${turn}`, role: 'assistant', text: `echo: ${text}` } },
    {
      type: 'turn-end',
      turn,
      data: { snapshotId: null, inputCount: 1, inputIds: [inputId], stopReason: 'stop', usage: null, durationMs: 1 },
    },
  ];
}

/**
 * PostgresStore factories on one database (the caller creates and drops it): each store gets a
 * schema of its own, so every measurement starts empty without a database per measurement.
 */
export function postgresStoreFactory(connectionString: string): () => Promise<BenchStore> {
  return async () => {
    const schema = `bench_${randomBytes(6).toString('hex')}`;
    const store = new PostgresStore({ connectionString, schema });
    await store.migrate();
    return { name: 'postgres', store, dispose: () => store.close() };
  };
}
