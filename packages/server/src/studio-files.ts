import { readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { ConfabError, newId } from 'confab';
import type { Context, Hono } from 'hono';
import type { ServerEnv } from './context.js';
import { errorResponse } from './errors-to-http.js';

/** Where the Studio's built files are (the `dist/` of `@confab/studio`). */
export interface StudioOptions {
  /** An absolute directory holding `index.html` and its assets. */
  directory: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The page may talk to its own origin only: no CDN, no font service, no beacon. The browser
 * enforces what the Studio promises (DESIGN §10: it uses the public `/v1` API only).
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "connect-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

/**
 * Serves the Studio's static files at `/studio/` (DESIGN §10): `GET /studio` redirects to
 * `/studio/` so the page's relative asset paths resolve under any mount prefix; `index.html` is
 * never cached and the content-hashed files under `assets/` are cached for good. The page needs no
 * token to load (it asks for one and sends it to `/v1` only). A path outside the directory, or a
 * missing file, is 404 with the API's error shape.
 */
export function registerStudioFiles(app: Hono<ServerEnv>, options: StudioOptions): void {
  const root = resolve(options.directory);
  app.get('/studio', (context) => context.redirect(`${context.req.path}/`, 308));
  app.get('/studio/*', async (context) => {
    const relative = context.req.path.slice(context.req.path.indexOf('/studio/') + '/studio/'.length);
    return serveFile(context, root, relative === '' ? 'index.html' : relative);
  });
}

async function serveFile(context: Context<ServerEnv>, root: string, relative: string): Promise<Response> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(relative);
  } catch {
    return notFound(context);
  }
  const file = resolve(root, decoded);
  if (!file.startsWith(root + sep) || decoded.includes('\0')) return notFound(context);
  const isFile = await stat(file).then(
    (info) => info.isFile(),
    () => false,
  );
  if (!isFile) return notFound(context);
  const body = await readFile(file);
  const immutable = decoded.startsWith('assets/');
  return new Response(new Uint8Array(body), {
    status: 200,
    headers: {
      'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    },
  });
}

function notFound(context: Context<ServerEnv>): Response {
  const error = new ConfabError('not_found', `no Studio file ${context.req.path}`);
  return errorResponse(error, context.get('requestId') ?? newId('req')).response;
}
