import type { ConfabClient, LifecycleEvent } from '@confab/client';
import { useEffect, useState } from 'react';
import { clock } from './format.js';
import { routeHref } from './use-hash-route.js';

const KEEP = 500;

/**
 * The app's lifecycle events as they happen (`GET /v1/lifecycle`, SSE): sessions created, updated,
 * archived, closed, deleted, idle, errors, turns started and ended. Newest first; the last 500 kept.
 */
export function LifecycleFeed({ client }: { client: ConfabClient }) {
  const [events, setEvents] = useState<LifecycleEvent[]>([]);
  useEffect(() => client.on('*', (event) => setEvents((previous) => [event, ...previous].slice(0, KEEP))), [client]);
  return (
    <section className="panel" aria-labelledby="lifecycle-title">
      <div className="panel-head">
        <h1 id="lifecycle-title">Lifecycle</h1>
        <span className="live on">
          <span className="dot" aria-hidden="true" />
          live
        </span>
      </div>
      <p className="muted">Events of this app's sessions from now on (the feed does not replay the past).</p>
      {events.length === 0 && <p className="empty">Waiting for activity…</p>}
      <ol className="feed" aria-live="polite" data-testid="lifecycle-feed">
        {events.map((event) => (
          <li key={event.id} data-type={event.type}>
            <span className="mono muted">{clock(event.at)}</span>
            <span className={`badge ${event.type.replace('.', '-')}`}>{event.type}</span>
            <a className="mono" href={routeHref({ view: 'session', id: event.sessionId })}>
              {event.sessionId}
            </a>
            {event.clientSessionId && <span className="muted mono">{event.clientSessionId}</span>}
            {Object.keys(event.data).length > 0 && (
              <code className="mono muted small">{JSON.stringify(event.data)}</code>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}
