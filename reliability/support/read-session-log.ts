import type { SessionEvent } from '@confab/client';

/**
 * A session's whole log, oldest first, read as JSON pages from `GET …/events?after=…` with
 * `token`. Give it the server's own URL, not the flaky proxy's: the log is the reference the
 * streams are checked against, so it must not go through the faults under test. It does not
 * check the status: an error answer has no `events` and makes it throw.
 */
export async function readSessionLog(baseUrl: string, token: string, sessionId: string): Promise<SessionEvent[]> {
  const events: SessionEvent[] = [];
  let after = 0;
  for (;;) {
    const response = await fetch(`${baseUrl}/v1/sessions/${sessionId}/events?after=${after}&limit=1000`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const page = (await response.json()) as { events: SessionEvent[]; nextAfter: number | null };
    events.push(...page.events);
    if (page.nextAfter === null) return events;
    after = page.nextAfter;
  }
}
