import type { ConfabClient } from '@confab/client';
import { useMemo, useState } from 'react';
import { createClient, storedToken, storeToken } from './api.js';
import { Icon } from './icons.js';
import { LifecycleFeed } from './lifecycle-feed.js';
import { SessionView } from './session-view.js';
import { SessionsList } from './sessions-list.js';
import { TokenForm } from './token-form.js';
import { routeHref, useHashRoute } from './use-hash-route.js';

/** The Studio: asks for a token, then shows sessions, one session, or the lifecycle feed. */
export function App() {
  const [token, setToken] = useState(storedToken);
  const client = useMemo<ConfabClient | null>(() => (token ? createClient(token) : null), [token]);
  const route = useHashRoute();

  if (!client) {
    return (
      <TokenForm
        onToken={(value) => {
          storeToken(value);
          setToken(value);
        }}
      />
    );
  }
  const signOut = () => {
    client.disconnect();
    storeToken(null);
    setToken(null);
  };
  return (
    <div className="shell">
      <header className="topbar">
        <a className="brand" href={routeHref({ view: 'sessions' })}>
          <span className="brand-mark">
            <Icon name="logo" size={18} />
          </span>
          Confab Studio
        </a>
        <nav aria-label="Studio" className="tabs">
          <a href={routeHref({ view: 'sessions' })} aria-current={route.view !== 'lifecycle' ? 'page' : undefined}>
            <Icon name="list" /> Sessions
          </a>
          <a href={routeHref({ view: 'lifecycle' })} aria-current={route.view === 'lifecycle' ? 'page' : undefined}>
            <Icon name="pulse" /> Lifecycle
          </a>
        </nav>
        <button type="button" className="ghost" onClick={signOut}>
          Forget token
        </button>
      </header>
      <main className="content">
        {route.view === 'sessions' && <SessionsList client={client} />}
        {route.view === 'session' && (
          <SessionView key={route.id} client={client} token={token ?? ''} sessionId={route.id} />
        )}
        {route.view === 'lifecycle' && <LifecycleFeed client={client} />}
      </main>
    </div>
  );
}
