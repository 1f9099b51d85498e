import { useEffect, useState } from 'react';

/** Where the Studio is, from the URL's hash: a bookmarkable view that needs no server routes. */
export type Route = { view: 'sessions' } | { view: 'session'; id: string } | { view: 'lifecycle' };

/** Parses `#/sessions`, `#/sessions/<id>` and `#/lifecycle` (anything else: the sessions list). */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'sessions' && parts[1]) return { view: 'session', id: parts[1] };
  if (parts[0] === 'lifecycle') return { view: 'lifecycle' };
  return { view: 'sessions' };
}

/** The hash of a route. */
export function routeHref(route: Route): string {
  if (route.view === 'session') return `#/sessions/${encodeURIComponent(route.id)}`;
  return `#/${route.view}`;
}

/** The current route, following `hashchange`. */
export function useHashRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
