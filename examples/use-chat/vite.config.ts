import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The app calls `/v1/...` on its own origin and Vite forwards those requests to the Confab server
 * (`CONFAB_URL`, default `npm start`'s http://127.0.0.1:8787), in `vite` (dev) and `vite preview`
 * alike, so the server needs no `--cors-origin` for it. `CONFAB_TOKEN`, when set, pre-fills the
 * token field (it is compiled into the page: a development convenience, not for a public build).
 */
const target = process.env.CONFAB_URL ?? 'http://127.0.0.1:8787';
const proxy = { '/v1': { target } };

export default defineConfig({
  root: dirname(fileURLToPath(import.meta.url)),
  envPrefix: ['VITE_', 'CONFAB_TOKEN'],
  // Plain Oxc JSX (no React plugin): the example needs no fast refresh, and one dependency less.
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    chunkSizeWarningLimit: 1024,
    rolldownOptions: {
      // swr (inside @ai-sdk/react) marks its modules 'use client', which means nothing to a plain SPA.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  server: { host: '127.0.0.1', port: 5173, proxy },
  preview: { host: '127.0.0.1', port: 4173, proxy },
});
