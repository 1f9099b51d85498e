import { type ConfabError, type Lease, type NewEvent, newId, type SessionRecord } from 'confab';
import type { SessionStore } from 'confab/store';
import { expect, it } from 'vitest';
import type { ConformanceContext } from './harness.js';

/** The two tenants the suite works with. */
export const APP_A = 'app_a';
export const APP_B = 'app_b';

/** Declares a conformance test, honouring the adapter's written skip list. */
export function conformanceTest(context: ConformanceContext, name: string, body: () => Promise<void>): void {
  const reason = context.options.skip?.[name];
  if (reason !== undefined) {
    if (!reason.trim()) throw new Error(`skipping "${name}" needs a written reason`);
    it.skip(`${name} (skipped: ${reason})`, body);
    return;
  }
  it(name, body);
}

/** A fresh session in `appId`. */
export async function createSession(
  store: SessionStore,
  appId = APP_A,
  extra: Partial<Parameters<SessionStore['createSession']>[0]> = {},
): Promise<SessionRecord> {
  return (await store.createSession({ appId, ...extra })).session;
}

/** `count` assistant messages for turn `turn`. */
export function messages(count: number, turn = 1, prefix = 'm'): NewEvent[] {
  return Array.from({ length: count }, (_, index) => ({
    type: 'message' as const,
    turn,
    data: { messageId: `${prefix}${index}`, role: 'assistant' as const, text: `${prefix} ${index}` },
  }));
}

/** Takes a lease that lasts the whole test. */
export async function lease(store: SessionStore, sessionId: string, owner = 'owner-1'): Promise<Lease> {
  const taken = await store.acquireLease(sessionId, owner, 60_000);
  if (!taken) throw new Error(`could not lease ${sessionId}`);
  return taken;
}

/** Appends `count` messages under `heldLease` and returns their seqs. */
export async function appendMessages(
  store: SessionStore,
  sessionId: string,
  heldLease: Lease,
  count: number,
  turn = 1,
): Promise<number[]> {
  const result = await store.appendEvents({ sessionId, lease: heldLease, events: messages(count, turn) });
  return result.events.map((event) => event.seq);
}

/** Reads a session's whole visible log. */
export async function readAll(store: SessionStore, sessionId: string) {
  const events = [];
  let after = 0;
  for (;;) {
    const page = await store.readEvents(sessionId, { after, limit: 1000 });
    events.push(...page.events);
    if (page.nextAfter === null) return events;
    after = page.nextAfter;
  }
}

/** Asserts that `promise` rejects with a ConfabError of `code`. */
export async function expectCode(promise: Promise<unknown>, code: ConfabError['code']): Promise<void> {
  await expect(promise).rejects.toMatchObject({ code });
}

/** A unique id for records the test names itself. */
export const testId = (prefix: string) => newId(prefix);

/** Waits `ms` milliseconds (only for lease expiry, which is defined in wall time). */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
