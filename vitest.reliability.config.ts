import { defineConfig } from 'vitest/config';

/** The reliability suite (`npm run test:reliability`): long, load-heavy checks kept out of `npm test`. */
export default defineConfig({
  resolve: { conditions: ['confab-source'] },
  ssr: { resolve: { conditions: ['confab-source'] } },
  test: {
    include: ['reliability/**/*.reliability.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
