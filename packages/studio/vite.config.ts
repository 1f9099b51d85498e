import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * Builds the Studio into `dist/`, which `confab serve` serves at `/studio/`. `base: './'` keeps
 * every asset path relative, so the page works under any mount prefix; the app reads workspace
 * packages from their sources (`confab-source`), so no other package needs building first.
 * `CONFAB_URL` (default http://127.0.0.1:8787) is where `vite` (dev) forwards `/v1`.
 */
const target = process.env.CONFAB_URL ?? 'http://127.0.0.1:8787';

export default defineConfig({
  root: dirname(fileURLToPath(import.meta.url)),
  base: './',
  resolve: { conditions: ['confab-source', 'module', 'browser', 'development|production'] },
  // Plain Oxc JSX (no React plugin), as in examples/use-chat: no fast refresh needed.
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1024, assetsInlineLimit: 0 },
  server: { host: '127.0.0.1', port: 5174, proxy: { '/v1': { target } } },
});
