import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '@confab/sqlite';
import type { SessionEvent, StreamEvent, TurnHandle } from 'confab';
import type { SessionStore } from 'confab/store';

/** A real SQLite file in a fresh temporary directory, removed by `dispose`. */
export async function createSqliteFixture() {
  const directory = mkdtempSync(join(tmpdir(), 'confab-test-'));
  const filename = join(directory, 'confab.db');
  const store = new SqliteStore({ filename });
  await store.migrate();
  return {
    directory,
    filename,
    store,
    async dispose() {
      await store.close().catch(() => undefined);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** Collects a turn's whole stream. */
export async function collect(handle: TurnHandle<unknown>): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const event of handle) events.push(event);
  return events;
}

/** Persisted events only (no deltas). */
export const persisted = (events: StreamEvent[]): SessionEvent[] =>
  events.filter((event): event is SessionEvent => !('sub' in event));

/** The `type`s of events, in order. */
export const types = (events: StreamEvent[]) => events.map((event) => event.type);

/** Waits until `check` is true, polling; fails after `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Every event of a session. */
export async function readLog(store: SessionStore, sessionId: string): Promise<SessionEvent[]> {
  const events: SessionEvent[] = [];
  let after = 0;
  for (;;) {
    const page = await store.readEvents(sessionId, { after, limit: 1000 });
    events.push(...page.events);
    if (page.nextAfter === null) return events;
    after = page.nextAfter;
  }
}
