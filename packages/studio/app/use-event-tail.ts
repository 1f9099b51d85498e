import type { ConfabClient, SessionEvent } from '@confab/client';
import { useEffect, useRef, useState } from 'react';
import { describeError } from './api.js';
import { EventLog, type TimelineRow } from './timeline.js';

/** The state of a session's live tail. */
export interface EventTail {
  /** The persisted events so far, in seq order (a new array whenever something changed). */
  events: SessionEvent[];
  /** The timeline rows of those events plus the messages still streaming. */
  rows: TimelineRow[];
  /** False while the tail is down and being retried. */
  connected: boolean;
  error: string | null;
}

/**
 * Follows `GET /v1/sessions/{id}/events` as SSE from the start: the whole log replays, then turns
 * run by any process stream in live (deltas included). The client reconnects with `Last-Event-ID`
 * when the connection drops; a failure is retried here after a second, except an unknown session
 * or a refused token. Renders are batched per
 * animation frame, so a 10,000-event replay costs a handful of renders, not 10,000.
 */
export function useEventTail(client: ConfabClient, sessionId: string): EventTail {
  const [log] = useState(() => new EventLog());
  const [view, setView] = useState<{ events: SessionEvent[]; rows: TimelineRow[] }>({ events: [], rows: [] });
  const [connected, setConnected] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const scheduled = useRef(false);

  useEffect(() => {
    const controller = new AbortController();
    const flush = () => {
      scheduled.current = false;
      setView({ events: log.events.slice(), rows: log.rows() });
    };
    const schedule = () => {
      if (scheduled.current) return;
      scheduled.current = true;
      requestAnimationFrame(flush);
    };
    const run = async () => {
      const session = client.session(sessionId);
      while (!controller.signal.aborted) {
        try {
          setConnected(true);
          setError(null);
          for await (const event of session.events.stream({ after: log.lastSeq, signal: controller.signal })) {
            if (log.add(event)) schedule();
          }
        } catch (thrown) {
          if (controller.signal.aborted) return;
          setConnected(false);
          setError(describeError(thrown));
          // No such session (or no longer this token's): retrying cannot help.
          const code = (thrown as { code?: unknown }).code;
          if (code === 'not_found' || code === 'unauthenticated') return;
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      }
    };
    void run();
    return () => controller.abort();
  }, [client, sessionId, log]);

  return { ...view, connected, error };
}
