import { ConfabError, type NewEvent } from 'confab';
import type { SessionStore } from 'confab/store';

/*
 * An edge-case script run against a store with a frozen clock, recording every outcome: the
 * reference adapter's outcomes are the expected ones (see specs/parity.spec.ts).
 */

/** The frozen time of the parity script. */
export const PARITY_NOW = new Date('2024-05-06T07:08:09.010Z');
/** A clock frozen at {@link PARITY_NOW}. */
export const parityClock = () => new Date(PARITY_NOW);
const later = new Date(PARITY_NOW.getTime() + 3_600_000);

const message = (text: string, turn = 1): NewEvent => ({
  type: 'message',
  turn,
  data: { messageId: text, role: 'assistant', text },
});

/** One step of the script: its result, or its error code. */
type Outcome = { ok: unknown } | { error: string };

/**
 * Runs the same script of edge cases against a store and records every outcome. The clock is
 * frozen and ids are explicit, so both stores must produce identical outcomes; the few randomly
 * assigned ids are replaced by their order of appearance.
 */
export async function runParityScript(store: SessionStore): Promise<string> {
  const outcomes: Outcome[] = [];
  const step = async (run: () => Promise<unknown>) => {
    try {
      outcomes.push({ ok: await run() });
    } catch (error) {
      outcomes.push({ error: ConfabError.isInstance(error) ? error.code : String(error) });
    }
  };
  await store.migrate();
  // Apps and tokens.
  await step(() => store.createApp({ id: 'app_a', name: 'A' }));
  await step(() => store.createApp({ id: 'app_a', name: 'renamed' }));
  await step(() => store.createApp({ id: 'app_b', name: 'B' }));
  await step(() => store.createToken({ id: 'tok_1', appId: 'app_a', tokenHash: 'h1' }));
  await step(() => store.createToken({ id: 'tok_2', appId: 'app_a', tokenHash: 'h1' }));
  await step(() => store.createToken({ id: 'tok_3', appId: 'app_missing', tokenHash: 'h3' }));
  await step(() => store.revokeToken('tok_1'));
  await step(() => store.listTokens('app_a'));
  await step(() => store.listApps());
  // Sessions.
  await step(() => store.createSession({ id: 'ses_01', appId: 'app_a', clientSessionId: 'c1', channel: 'room' }));
  await step(() => store.createSession({ id: 'ses_99', appId: 'app_a', clientSessionId: 'c1' }));
  await step(() => store.createSession({ id: 'ses_02', appId: 'app_a', channel: 'room' }));
  await step(() => store.createSession({ id: 'ses_01', appId: 'app_b' }));
  await step(() => store.createSession({ id: 'ses_02', appId: 'app_a', meta: { a: 1 }, state: { s: 1 } }));
  await step(() => store.createSession({ id: 'ses_03', appId: '' }));
  await step(() => store.updateSession('ses_02', { title: 't', meta: { b: 2 } }, { expectedVersion: 1 }));
  await step(() => store.updateSession('ses_02', { title: 'u' }, { expectedVersion: 1 }));
  await step(() => store.updateSession('ses_02', { appId: 'x' } as never));
  await step(() => store.getSession('ses_02', { appId: 'app_b' }));
  await step(() => store.listSessions({ appId: 'app_a', limit: 1 }));
  await step(() => store.listSessions({ appId: 'app_a', channel: 'room', status: 'active' }));
  await step(() => store.listSessions({ appId: 'app_a', limit: 1.5 }));
  // Inputs.
  for (const id of ['in_1', 'in_2', 'in_3', 'in_4']) {
    await step(() => store.enqueueInput('ses_01', { id, text: id, idempotencyKey: `key-${id}` }));
  }
  await step(() => store.enqueueInput('ses_01', { id: 'in_5', text: 'again', idempotencyKey: 'key-in_1' }));
  await step(() => store.enqueueInput('ses_01', { id: 'in_1', text: 'duplicate id' }));
  await step(() => store.claimInputs('ses_01', { max: 0, claimToken: 'zero' }));
  await step(() => store.claimInputs('ses_01', { max: 1.9, claimToken: 'fraction' }));
  await step(() => store.claimInputs('ses_01', { max: 10, claimToken: 'by-id', ids: ['in_3', 'in_1', 'in_x'] }));
  await step(() => store.claimInputs('ses_01', { max: Number.NaN, claimToken: 'nan' }));
  await step(() => store.releaseInputs('ses_01', 'fraction'));
  await step(() => store.claimInputs('ses_01', { max: 2, claimToken: 'turn-1' }));
  await step(() => store.countPendingInputs('ses_01'));
  await step(() => store.getInput('ses_01', 'in_2'));
  // Leases and appends.
  await step(() => store.acquireLease('ses_01', 'owner-a', 60_000));
  await step(() => store.acquireLease('ses_01', 'owner-b', 60_000));
  await step(() => store.renewLease({ sessionId: 'ses_01', owner: 'owner-a', token: 1, expiresAt: '' }, 120_000));
  await step(() => store.appendEvents({ sessionId: 'ses_01', events: [message('no lease')] }));
  const lease = { sessionId: 'ses_01', owner: 'owner-a', token: 1, expiresAt: '' };
  await step(() =>
    store.appendEvents({
      sessionId: 'ses_01',
      lease,
      events: [
        { type: 'input', turn: 1, data: { inputId: 'in_1', text: 'in_1' } },
        { type: 'input', turn: 1, data: { inputId: 'in_2', text: 'in_2' } },
        message('answer'),
      ],
      consumeInputIds: ['in_1', 'in_2'],
      update: { turnCount: 1, state: { step: 1 }, stateVersion: 1 },
      snapshot: { id: 'snap_1' },
    }),
  );
  await step(() =>
    store.appendEvents({ sessionId: 'ses_01', lease, events: [message('x')], snapshot: { id: 'snap_1' } }),
  );
  await step(() =>
    store.appendEvents({ sessionId: 'ses_01', lease, events: [message('y')], consumeInputIds: ['in_3'] }),
  );
  await step(() =>
    store.appendEvents({
      sessionId: 'ses_01',
      lease,
      events: [{ type: 'compaction', turn: 1, data: { summary: 'sum', throughSeq: 2 } }, message('after', 2)],
      snapshot: { id: 'snap_2' },
      expectedLastSeq: 3,
    }),
  );
  await step(() => store.releaseLease(lease));
  await step(() => store.acquireLease('ses_01', 'owner-b', 60_000));
  await step(() => store.getLease('ses_01'));
  await step(() => store.releaseLease({ ...lease, token: 2, owner: 'owner-b' }));
  await step(() => store.readEvents('ses_01', { after: 1, limit: 2 }));
  await step(() => store.readContext('ses_01'));
  await step(() => store.getInput('ses_01', 'in_1'));
  // Snapshots and forks.
  await step(() => store.listSnapshots('ses_01'));
  await step(() => store.getSnapshot('snap_1', { appId: 'app_b' }));
  await step(() => store.forkSession({ id: 'ses_10', sessionId: 'ses_01', appId: 'app_a', snapshotId: 'snap_1' }));
  await step(() => store.forkSession({ id: 'ses_11', sessionId: 'ses_01', appId: 'app_a', clientSessionId: 'c1' }));
  await step(() => store.forkSession({ id: 'ses_11', sessionId: 'ses_01', appId: 'app_a', snapshotId: null }));
  await step(() =>
    store.appendEvents({ sessionId: 'ses_10', events: [message('fork', 2)], snapshot: { id: 'snap_3' } }),
  );
  await step(() => store.forkSession({ id: 'ses_12', sessionId: 'ses_10', appId: 'app_a' }));
  await step(() => store.deleteSession('ses_10'));
  await step(() => store.deleteSession('ses_01'));
  await step(() => store.getSession('ses_12'));
  await step(() => store.readEvents('ses_12'));
  await step(() => store.readContext('ses_11'));
  await step(() => store.listSnapshots('ses_12'));
  // Lifecycle and retention.
  await step(() => store.archiveSession('ses_02'));
  await step(() => store.archiveSession('ses_02'));
  await step(() => store.closeSession('ses_02'));
  await step(() => store.closeSession('ses_02'));
  await step(() => store.archiveSession('ses_02'));
  await step(() => store.enqueueInput('ses_02', { id: 'in_9', text: 'late' }));
  await step(() => store.enqueueInput('ses_02', { id: 'in_9', text: 'late', idempotencyKey: 'none' }));
  await step(() => store.appendEvents({ sessionId: 'ses_02', events: [message('late')] }));
  await step(() => store.updateSession('ses_11', { pendingInterrupt: true }));
  await step(() => store.sweep({ closeIdleBefore: later.toISOString(), limit: 1 }));
  await step(() => store.sweep({ closeIdleBefore: later.toISOString() }));
  await step(() => store.sweep({ deleteClosedBefore: later.toISOString(), closeIdleBefore: later.toISOString() }));
  await step(() => store.sweep({ deleteClosedBefore: later.toISOString(), force: true }));
  // Channels.
  await step(() => store.resolveChannel('app_a', 'lobby', { title: 'Lobby' }));
  await step(() => store.resolveChannel('app_a', 'lobby'));
  await step(() => store.rotateChannel('app_a', 'lobby'));
  // Random ids would make a listing's tie-break order random: list the one active session only.
  await step(() => store.listSessions({ appId: 'app_a', status: 'active', channel: 'lobby' }));
  // Files.
  const expiresAt = new Date(PARITY_NOW.getTime() + 60_000).toISOString();
  const data = new Uint8Array([9, 8, 7]);
  await step(() => store.putFile({ token: 'f1', appId: 'app_a', mediaType: 'text/plain', data, expiresAt }));
  await step(() => store.putFile({ token: 'f1', appId: 'app_a', mediaType: 'text/plain', data, expiresAt }));
  await step(async () => Array.from((await store.getFile('app_a', 'f1'))?.data ?? []));
  await step(() => store.getFile('app_b', 'f1'));
  await step(() => store.deleteExpiredFiles(later));
  await store.close();

  const aliases = new Map<string, string>();
  return JSON.stringify(outcomes, null, 1).replaceAll(/\b(ses|in)_[0-9a-f]{32}\b/g, (id) => {
    if (!aliases.has(id)) aliases.set(id, `random-${aliases.size}`);
    return aliases.get(id) as string;
  });
}
