import { ConfabClient } from '@confab/client';

const TOKEN_KEY = 'confab-studio-token';

/**
 * Where the API is: the page's own origin and mount prefix (the Studio lives at `<prefix>/studio/`),
 * so every request stays on the page's origin.
 */
export function apiBaseUrl(location: Location = window.location): string {
  const path = location.pathname;
  const at = path.lastIndexOf('/studio');
  return location.origin + (at >= 0 ? path.slice(0, at) : '');
}

/** The token of this tab (sessionStorage: gone when the tab closes, never shared with other tabs). */
export function storedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

/** Keeps `token` for this tab, or forgets it with null. */
export function storeToken(token: string | null): void {
  if (token === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

/** A client of the page's own `/v1` with `token`. */
export function createClient(token: string): ConfabClient {
  return new ConfabClient({ baseUrl: apiBaseUrl(), token });
}

/** A readable message of anything a call threw. */
export function describeError(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error && 'message' in error) {
    return `${String((error as { code: unknown }).code)}: ${String((error as { message: unknown }).message)}`;
  }
  return error instanceof Error ? error.message : String(error);
}
