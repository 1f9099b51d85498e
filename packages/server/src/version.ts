import { readFileSync } from 'node:fs';

function readVersion(): string {
  try {
    // The package root is one level up from both src/ (tsx, tests) and dist/ (built).
    const text = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
    const version = (JSON.parse(text) as { version?: unknown }).version;
    return typeof version === 'string' ? version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** The version of `@confab/server`, as `GET /healthz` reports it. */
export const SERVER_VERSION: string = readVersion();
