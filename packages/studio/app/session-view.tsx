import type { ConfabClient, SessionInfo, SnapshotInfo } from '@confab/client';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { describeError } from './api.js';
import { ChatBox } from './chat-box.js';
import { relativeTime } from './format.js';
import { Icon } from './icons.js';
import { JsonDrawer } from './json-drawer.js';
import { pendingWork } from './timeline.js';
import { TimelineView } from './timeline-view.js';
import { useEventTail } from './use-event-tail.js';
import { routeHref } from './use-hash-route.js';

/**
 * One session: its timeline (live), what an interrupted turn waits for, a chat box, and on the side
 * its fields, parent and children, snapshots to fork from, and its actions.
 */
export function SessionView({ client, token, sessionId }: { client: ConfabClient; token: string; sessionId: string }) {
  const tail = useEventTail(client, sessionId);
  const [info, setInfo] = useState<SessionInfo | null>(null);
  const [snapshots, setSnapshots] = useState<SnapshotInfo[]>([]);
  const [children, setChildren] = useState<SessionInfo[]>([]);
  const [moreChildren, setMoreChildren] = useState(false);
  const [drawer, setDrawer] = useState<{ title: string; value: unknown } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const { rows, events } = tail;
  const pending = useMemo(() => pendingWork(events), [events]);
  const lastTurnEvent = useMemo(() => {
    for (let index = events.length - 1; index >= 0; index--) {
      const event = events[index];
      if (event?.type === 'turn-start' || event?.type === 'turn-end') return event;
    }
    return null;
  }, [events]);
  const running = lastTurnEvent?.type === 'turn-start';

  const refresh = useCallback(async () => {
    try {
      const session = client.session(sessionId);
      const [current, shots] = await Promise.all([session.get(), session.snapshots()]);
      setInfo(current);
      setSnapshots(shots);
      // The forks of this session among all of the app's sessions, newest activity first.
      const forks = await client.sessions.list({ parentId: sessionId, limit: 200 });
      setChildren(forks.sessions);
      setMoreChildren(forks.nextCursor !== null);
    } catch (thrown) {
      setError(describeError(thrown));
    }
  }, [client, sessionId]);

  // Fields, snapshots and children change at turn starts and ends: refresh then (and on open).
  const turnMarks = useMemo(
    () => events.filter((event) => event.type === 'turn-end' || event.type === 'turn-start').length,
    [events],
  );
  useEffect(() => {
    // turnMarks is read so the effect runs again at each turn start and end; debounced, so a long
    // replay costs one refresh, not one per frame.
    const timer = setTimeout(() => void refresh(), turnMarks === 0 ? 0 : 250);
    return () => clearTimeout(timer);
  }, [refresh, turnMarks]);

  const fork = useCallback(
    async (snapshotId: string) => {
      try {
        const forked = await client.sessions.fork(sessionId, { snapshotId });
        window.location.hash = routeHref({ view: 'session', id: forked.id });
      } catch (thrown) {
        setError(describeError(thrown));
      }
    },
    [client, sessionId],
  );
  const actions = useMemo(
    () => ({ showJson: (title: string, value: unknown) => setDrawer({ title, value }), fork }),
    [fork],
  );

  const act = async (action: () => Promise<unknown>) => {
    setError(null);
    setNotice(null);
    try {
      await action();
      await refresh();
    } catch (thrown) {
      setError(describeError(thrown));
    }
  };

  return (
    <div className="session-layout">
      <section className="session-main" aria-labelledby="session-title">
        <div className="panel-head">
          <a className="back" href={routeHref({ view: 'sessions' })} aria-label="Back to sessions">
            <Icon name="back" />
          </a>
          <div className="grow">
            <h1 id="session-title">{info?.title ?? 'Untitled session'}</h1>
            <div className="mono muted small">{sessionId}</div>
          </div>
          <span className={`live ${tail.connected ? 'on' : 'off'}`} data-testid="live-indicator">
            <span className="dot" aria-hidden="true" />
            {tail.connected ? 'live' : 'reconnecting'}
          </span>
        </div>
        {(error || tail.error) && (
          <p role="alert" className="error-text">
            {error ?? tail.error}
          </p>
        )}
        <TimelineView rows={rows} actions={actions} />
        {info && (
          <ChatBox
            key={`${info.id}:${info.clientSessionId ?? ''}`}
            client={client}
            token={token}
            session={info}
            running={running}
            pending={pending}
            onError={setError}
          />
        )}
      </section>
      <aside className="session-side" aria-label="Session details">
        <h2>Details</h2>
        {info && (
          <dl className="fields">
            <dt>Status</dt>
            <dd>
              <span className={`badge ${info.status}`}>{info.status}</span>
            </dd>
            <dt>Channel</dt>
            <dd>{info.channel ?? '—'}</dd>
            <dt>Client id</dt>
            <dd className="mono">{info.clientSessionId ?? '—'}</dd>
            <dt>Agent · model</dt>
            <dd className="mono">
              {info.agent ?? 'default'} · {info.model ?? 'default'}
            </dd>
            <dt>Turns</dt>
            <dd>{info.turnCount}</dd>
            <dt>Events</dt>
            <dd data-testid="event-count">{events.length}</dd>
            <dt>Last turn</dt>
            <dd>{relativeTime(info.lastTurnAt)}</dd>
            <dt>State</dt>
            <dd>
              <button type="button" className="link" onClick={() => setDrawer({ title: 'State', value: info.state })}>
                version {info.stateVersion}
              </button>
            </dd>
          </dl>
        )}
        <h2>Family</h2>
        {info?.parent ? (
          <p>
            Fork of{' '}
            <a href={routeHref({ view: 'session', id: info.parent.sessionId })} data-testid="parent-link">
              {info.parent.sessionId}
            </a>{' '}
            at event {info.parent.seq}
          </p>
        ) : (
          <p className="muted">Not a fork.</p>
        )}
        {children.length > 0 && (
          <ul className="plain" aria-label="Forks of this session" data-testid="children">
            {children.map((child) => (
              <li key={child.id}>
                Forked into <a href={routeHref({ view: 'session', id: child.id })}>{child.title ?? child.id}</a>
              </li>
            ))}
          </ul>
        )}
        {moreChildren && <p className="muted small">The 200 forks with the newest activity are shown.</p>}
        <h2>Snapshots</h2>
        {snapshots.length === 0 && <p className="muted">None yet (one per finished turn).</p>}
        <ol className="snapshots">
          {[...snapshots].reverse().map((snapshot) => (
            <li key={snapshot.id}>
              <span>
                turn {snapshot.turn} · event {snapshot.seq}
              </span>
              <button
                type="button"
                className="small-button"
                onClick={() => fork(snapshot.id)}
                aria-label={`Fork from the snapshot after turn ${snapshot.turn}`}
              >
                <Icon name="fork" /> Fork
              </button>
            </li>
          ))}
        </ol>
        <h2>Actions</h2>
        <p className="small muted" role="status" data-testid="side-notice">
          {notice}
        </p>
        <div className="stack">
          <button
            type="button"
            onClick={() =>
              act(async () => {
                const result = await client.session(sessionId).compact();
                setNotice(
                  result.compacted
                    ? `Compacted through event ${result.throughSeq}`
                    : 'Nothing to compact yet: the recent messages are kept as they are',
                );
              })
            }
          >
            Compact now
          </button>
          <button
            type="button"
            disabled={info?.status !== 'active'}
            onClick={() => act(() => client.sessions.archive(sessionId))}
          >
            Archive
          </button>
          <button
            type="button"
            disabled={info?.status === 'closed'}
            onClick={() => act(() => client.sessions.delete(sessionId))}
          >
            Close
          </button>
          {info?.channel && (
            <button
              type="button"
              onClick={() =>
                act(async () => {
                  const rotated = await client.sessions.rotateChannel(info.channel ?? '');
                  window.location.hash = routeHref({ view: 'session', id: rotated.session.id });
                })
              }
            >
              Rotate channel
            </button>
          )}
          <button
            type="button"
            className="danger"
            onClick={() => {
              if (window.confirm(`Erase session ${sessionId} and its history for good?`)) {
                void act(async () => {
                  await client.sessions.delete(sessionId, { hard: true });
                  window.location.hash = routeHref({ view: 'sessions' });
                });
              }
            }}
          >
            Delete for good
          </button>
        </div>
      </aside>
      {drawer && <JsonDrawer title={drawer.title} value={drawer.value} onClose={() => setDrawer(null)} />}
    </div>
  );
}
