import type { ConfabClient, SessionInfo } from '@confab/client';
import { type FormEvent, useCallback, useEffect, useRef, useState } from 'react';
import { describeError } from './api.js';
import { relativeTime } from './format.js';
import { Icon } from './icons.js';
import { routeHref } from './use-hash-route.js';

type StatusFilter = 'all' | 'active' | 'archived' | 'closed';

/** How long the search box waits after the last keystroke before it asks the server. */
const SEARCH_DEBOUNCE_MS = 250;

/**
 * The app's sessions, newest activity first (`GET /v1/sessions`), by channel, status and search
 * text (title, id or clientSessionId, searched by the server among all of the app's sessions),
 * page by page. Lifecycle events refresh the rows they concern.
 */
export function SessionsList({ client }: { client: ConfabClient }) {
  const [channel, setChannel] = useState('');
  const [appliedChannel, setAppliedChannel] = useState('');
  const [status, setStatus] = useState<StatusFilter>('all');
  const [search, setSearch] = useState('');
  const [appliedSearch, setAppliedSearch] = useState('');
  const [sessions, setSessions] = useState<SessionInfo[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const searchBox = useRef<HTMLInputElement>(null);
  const generation = useRef(0);

  const load = useCallback(
    async (from: string | null) => {
      const mine = from === null ? ++generation.current : generation.current;
      setLoading(true);
      setError(null);
      try {
        const page = await client.sessions.list({
          channel: appliedChannel || undefined,
          status,
          search: appliedSearch || undefined,
          limit: 50,
          cursor: from ?? undefined,
        });
        if (mine !== generation.current) return;
        setSessions((previous) => (from === null ? page.sessions : [...previous, ...page.sessions]));
        setCursor(page.nextCursor);
      } catch (thrown) {
        setError(describeError(thrown));
      } finally {
        setLoading(false);
      }
    },
    [client, appliedChannel, status, appliedSearch],
  );

  // The search runs on the server once typing pauses.
  useEffect(() => {
    const timer = setTimeout(() => setAppliedSearch(search.trim()), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [search]);

  useEffect(() => {
    void load(null);
  }, [load]);

  // Live: a lifecycle event reloads the first page (debounced), so new activity floats to the top.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = client.on('*', () => {
      clearTimeout(timer);
      timer = setTimeout(() => void load(null), 300);
    });
    return () => {
      clearTimeout(timer);
      off();
    };
  }, [client, load]);

  // "/" focuses the search, as on many sites.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (event.key === '/' && target?.tagName !== 'INPUT' && target?.tagName !== 'TEXTAREA') {
        event.preventDefault();
        searchBox.current?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const act = async (label: string, action: () => Promise<unknown>) => {
    setNotice(null);
    setError(null);
    try {
      await action();
      setNotice(label);
      await load(null);
    } catch (thrown) {
      setError(describeError(thrown));
    }
  };

  const applyChannel = (event: FormEvent) => {
    event.preventDefault();
    setAppliedChannel(channel.trim());
    setAppliedSearch(search.trim());
  };

  const createSession = () =>
    act('Session created', async () => {
      const session = await client.sessions.create(appliedChannel ? { channel: appliedChannel } : {});
      window.location.hash = routeHref({ view: 'session', id: session.id });
    });

  return (
    <section aria-labelledby="sessions-title" className="panel">
      <div className="panel-head">
        <h1 id="sessions-title">Sessions</h1>
        <div className="row-gap">
          {appliedChannel && (
            <button
              type="button"
              onClick={() =>
                act(`Channel ${appliedChannel} rotated`, () => client.sessions.rotateChannel(appliedChannel))
              }
            >
              <Icon name="refresh" /> Rotate channel “{appliedChannel}”
            </button>
          )}
          <button type="button" className="primary" onClick={createSession}>
            <Icon name="plus" /> New session
          </button>
        </div>
      </div>
      <form className="filters" onSubmit={applyChannel}>
        <label>
          <span>Channel</span>
          <input
            value={channel}
            onChange={(event) => setChannel(event.target.value)}
            onBlur={() => setAppliedChannel(channel.trim())}
            placeholder="any channel"
          />
        </label>
        <label>
          <span>Status</span>
          <select value={status} onChange={(event) => setStatus(event.target.value as StatusFilter)}>
            <option value="all">all</option>
            <option value="active">active</option>
            <option value="archived">archived</option>
            <option value="closed">closed</option>
          </select>
        </label>
        <label className="grow">
          <span>
            Search title, id or clientSessionId <kbd>/</kbd>
          </span>
          <input
            ref={searchBox}
            type="search"
            value={search}
            onChange={(event) => setSearch(event.target.value)}
            placeholder="search all sessions…"
            data-testid="session-search"
          />
        </label>
        <button type="submit">Apply</button>
      </form>
      <div aria-live="polite" className="status-line">
        {error && (
          <span role="alert" className="error-text">
            {error}
          </span>
        )}
        {notice && !error && <span>{notice}</span>}
      </div>
      <table className="sessions">
        <caption className="sr-only">Sessions, newest activity first</caption>
        <thead>
          <tr>
            <th scope="col">Session</th>
            <th scope="col">Channel</th>
            <th scope="col">Status</th>
            <th scope="col">Turns</th>
            <th scope="col">Last activity</th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {sessions.map((session) => (
            <tr key={session.id} data-testid="session-row" data-session-id={session.id}>
              <td>
                <a className="session-link" href={routeHref({ view: 'session', id: session.id })}>
                  {session.title ?? <span className="muted">untitled</span>}
                </a>
                <div className="mono muted small">
                  {session.id}
                  {session.clientSessionId && <> · {session.clientSessionId}</>}
                  {session.parent && <> · fork of {session.parent.sessionId}</>}
                </div>
              </td>
              <td>{session.channel ?? <span className="muted">—</span>}</td>
              <td>
                <span className={`badge ${session.status}`}>{session.status}</span>
              </td>
              <td className="num">{session.turnCount}</td>
              <td title={session.lastTurnAt ?? session.updatedAt}>
                {relativeTime(session.lastTurnAt ?? session.updatedAt)}
              </td>
              <td className="actions">
                <button
                  type="button"
                  className="small-button"
                  disabled={session.status !== 'active'}
                  onClick={() => act('Archived', () => client.sessions.archive(session.id))}
                  aria-label={`Archive ${session.title ?? session.id}`}
                >
                  Archive
                </button>
                <button
                  type="button"
                  className="small-button"
                  disabled={session.status === 'closed'}
                  onClick={() => act('Closed', () => client.sessions.delete(session.id))}
                  aria-label={`Close ${session.title ?? session.id}`}
                >
                  Close
                </button>
                <button
                  type="button"
                  className="small-button danger"
                  onClick={() => {
                    if (window.confirm(`Erase session ${session.id} and its history for good?`)) {
                      void act('Deleted', () => client.sessions.delete(session.id, { hard: true }));
                    }
                  }}
                  aria-label={`Delete ${session.title ?? session.id}`}
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {!loading && sessions.length === 0 && (
        <p className="empty">{appliedSearch ? `No session matches “${appliedSearch}”.` : 'No sessions here yet.'}</p>
      )}
      <div className="pager">
        {cursor && (
          <button type="button" onClick={() => load(cursor)} disabled={loading}>
            Load more
          </button>
        )}
        {loading && <span className="muted">Loading…</span>}
        <span className="muted small" data-testid="sessions-count">
          {sessions.length} shown{cursor ? ' (more on the server)' : ''}
        </span>
      </div>
    </section>
  );
}
