/**
 * Optional capability: carries stop requests to whichever process runs a session's turn (stores
 * shared by several processes, such as PostgreSQL). Delivery is best effort and at most once per
 * process; the runner holding the turn stops it on receipt.
 */
export interface StopSignaller {
  requestStop(sessionId: string): Promise<void>;
  onStopRequest(listener: (sessionId: string) => void): () => void;
}

/** True when the store offers {@link StopSignaller}. */
export function hasStopSignaller<Store extends object>(store: Store): store is Store & StopSignaller {
  const candidate = store as Partial<StopSignaller>;
  return typeof candidate.requestStop === 'function' && typeof candidate.onStopRequest === 'function';
}
