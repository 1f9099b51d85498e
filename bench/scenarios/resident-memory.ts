import { Pool } from 'confab';
import type { BenchStore } from '../lib/stores.js';

/** Memory per stored idle session and per resident idle runner. */
export interface ResidentMemoryResult {
  store: string;
  sessions: number;
  bytesPerStoredSession: number;
  bytesPerResidentRunner: number;
  residentAfterReap: number;
  bytesPerSessionAfterReap: number;
}

function heapAfterGc(): number {
  // Run with --expose-gc for stable numbers; without it the figure includes garbage.
  (globalThis as { gc?: () => void }).gc?.();
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}

/**
 * Creates `sessions` sessions (stored, not resident), runs one echo turn in each through a Pool
 * (each leaves an idle runner resident), then lets the reaper evict them all. Reports the heap
 * growth per session at each stage.
 */
export async function residentMemory(bench: BenchStore, sessions: number): Promise<ResidentMemoryResult> {
  const pool = new Pool({ store: bench.store, appId: 'bench', idleTimeoutMs: 60 * 60_000 });
  const base = heapAfterGc();
  const ids: string[] = [];
  for (let index = 0; index < sessions; index++) ids.push((await pool.createSession(null)).session.id);
  const stored = heapAfterGc();
  const batch = 256;
  for (let index = 0; index < ids.length; index += batch) {
    await Promise.all(ids.slice(index, index + batch).map(async (id) => (await pool.chat(id, 'hi')).result));
  }
  const resident = heapAfterGc();
  const residentCount = pool.residentCount;
  pool.evictIdle(0);
  // Eviction emits `session.idle` after a store read; let those settle before measuring.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const reaped = heapAfterGc();
  await pool.close();
  return {
    store: bench.name,
    sessions,
    // Includes this scenario's own array of ids (about 100 bytes each): the store keeps nothing resident.
    bytesPerStoredSession: Math.max(0, (stored - base) / sessions),
    bytesPerResidentRunner: (resident - stored) / Math.max(1, residentCount),
    residentAfterReap: pool.residentCount,
    bytesPerSessionAfterReap: Math.max(0, (reaped - stored) / sessions),
  };
}
