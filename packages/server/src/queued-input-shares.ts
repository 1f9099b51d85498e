import { ConfabError, type LifecycleBus } from 'confab';

interface QueuedEntry {
  appId: string;
  sessionId: string;
}

/**
 * Each app's share of queued inputs: the inputs an app queued through this server that no turn has
 * taken yet. An input leaves the count when a turn that took it ends (`turn.ended` lists its
 * `inputIds`), or when its session is closed, archived or deleted. Counted per process, so a
 * deployment of N servers lets an app queue up to N times the share.
 */
export class QueuedInputShares {
  private readonly entries = new Map<string, QueuedEntry>();
  private readonly byApp = new Map<string, number>();
  private readonly bySession = new Map<string, Set<string>>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly perApp: number,
    bus: LifecycleBus,
  ) {
    this.unsubscribe = bus.subscribe(
      (event) => {
        if (event.type === 'turn.ended') {
          const inputIds = event.data.inputIds;
          if (Array.isArray(inputIds)) for (const inputId of inputIds) this.remove(String(inputId));
        } else {
          for (const inputId of [...(this.bySession.get(event.sessionId) ?? [])]) this.remove(inputId);
        }
      },
      { types: ['turn.ended', 'session.closed', 'session.archived', 'session.deleted'] },
    );
  }

  /** Throws 429 `rate_limited` when `appId` has its share of inputs queued already. */
  check(appId: string): void {
    if ((this.byApp.get(appId) ?? 0) < this.perApp) return;
    throw new ConfabError(
      'rate_limited',
      `app ${appId} has ${this.perApp} inputs queued, its limit; retry once turns took some`,
      { details: { retryAfterSeconds: 1 } },
    );
  }

  /** Counts a newly queued input. */
  add(appId: string, sessionId: string, inputId: string): void {
    if (this.entries.has(inputId)) return;
    this.entries.set(inputId, { appId, sessionId });
    this.byApp.set(appId, (this.byApp.get(appId) ?? 0) + 1);
    const inputs = this.bySession.get(sessionId) ?? new Set<string>();
    inputs.add(inputId);
    this.bySession.set(sessionId, inputs);
  }

  /** Inputs `appId` has queued and not yet seen taken. */
  countOf(appId: string): number {
    return this.byApp.get(appId) ?? 0;
  }

  /** Stops listening to the bus. */
  close(): void {
    this.unsubscribe();
  }

  private remove(inputId: string): void {
    const entry = this.entries.get(inputId);
    if (!entry) return;
    this.entries.delete(inputId);
    const left = (this.byApp.get(entry.appId) ?? 1) - 1;
    if (left > 0) this.byApp.set(entry.appId, left);
    else this.byApp.delete(entry.appId);
    const inputs = this.bySession.get(entry.sessionId);
    inputs?.delete(inputId);
    if (inputs && inputs.size === 0) this.bySession.delete(entry.sessionId);
  }
}
