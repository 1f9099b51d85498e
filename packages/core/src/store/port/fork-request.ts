/** Input to `forkSession`. */
export interface ForkRequest {
  /** The session to fork; must belong to `appId`. */
  sessionId: string;
  appId: string;
  /** The snapshot to fork at; default the session's latest snapshot, else its current head. */
  snapshotId?: string | null;
  /** Id of the new session; assigned when omitted. */
  id?: string;
  clientSessionId?: string | null;
  title?: string | null;
}
