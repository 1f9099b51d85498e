import { errors, type Lease } from 'confab';
import { isLeaseLive, type LeaseAcquisition } from 'confab/store';
import type { SessionCatalog, SessionState } from './session-catalog.js';

/*
 * The lease of one session, for a caller that holds the session's lock. The lease and the fencing
 * counter live in the meta, so the counter survives restarts and a token is never issued twice.
 */

const copy = <T>(value: T): T => structuredClone(value);

async function commitLease(catalog: SessionCatalog, state: SessionState, lease: Lease | null, leaseCounter: number) {
  const { record, inputs, sideBytes } = state;
  await catalog.commit(record.id, { record, lease, leaseCounter, inputs, sideBytes }, state.logEnd);
}

/**
 * `acquireLeaseReporting` of `CommitFolding` (and so `acquireLease` of the port): a fresh fencing
 * token when the lease is free or expired, else null. A released lease is cleared from the meta,
 * so a lease still there has expired unreleased; a counter at 0 means there never was one.
 */
export async function acquireLease(
  catalog: SessionCatalog,
  state: SessionState,
  owner: string,
  ttlMs: number,
  now: Date,
): Promise<LeaseAcquisition | null> {
  if (isLeaseLive(state.lease, now)) return null;
  const previous = state.leaseCounter === 0 ? 'none' : state.lease ? 'expired' : 'released';
  const token = state.leaseCounter + 1;
  const lease: Lease = {
    sessionId: state.record.id,
    owner,
    token,
    expiresAt: new Date(now.getTime() + ttlMs).toISOString(),
  };
  await commitLease(catalog, state, lease, token);
  return { lease: copy(lease), previous };
}

/** `renewLease` of the port: same token, later expiry; `conflict` when lost or expired. */
export async function renewLease(
  catalog: SessionCatalog,
  state: SessionState,
  lease: Lease,
  ttlMs: number,
  now: Date,
): Promise<Lease> {
  const current = state.lease;
  if (!isLeaseLive(current, now) || current.token !== lease.token || current.owner !== lease.owner) {
    throw errors.conflict(`lease ${lease.token} on session ${lease.sessionId} was lost`);
  }
  const renewed = { ...current, expiresAt: new Date(now.getTime() + ttlMs).toISOString() };
  await commitLease(catalog, state, renewed, state.leaseCounter);
  return copy(renewed);
}

/** `releaseLease` of the port: drops the lease when it is still this one; a no-op otherwise. */
export async function releaseLease(catalog: SessionCatalog, state: SessionState, lease: Lease): Promise<void> {
  if (state.lease?.token !== lease.token || state.lease.owner !== lease.owner) return;
  await commitLease(catalog, state, null, state.leaseCounter);
}

/** `getLease` of the port: the unexpired lease, or null. */
export function getLease(state: SessionState, now: Date): Lease | null {
  return isLeaseLive(state.lease, now) ? copy(state.lease) : null;
}
