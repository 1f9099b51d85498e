import { defineConfig } from 'vitest/config';

const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

/**
 * The tests that touch the `ai` package (the AI SDK UI message stream, `useChat`'s transport and
 * chat state). They run a second time with `ai` resolved to ai@7 (the tests workspace's optional
 * `ai-v7` alias): the SDK's client classes in the test and our own code under test
 * (`@confab/ai-sdk-ui`, the server's §9 routes) then both load ai@7, as in an app that installed it.
 */
export const AI_V7_TESTS = [
  'packages/ai-sdk-ui/src/**/*.test.ts',
  'packages/server/src/chat.int.test.ts',
  'packages/server/src/chat-continuity.int.test.ts',
];

/**
 * Whether this Node can run ai@7: it and its packages declare `engines.node >=22`, so npm skips the
 * optional `ai-v7` on Node 20. There the ai@7 project is left out, and
 * packages/ai-sdk-ui/src/ai-major.test.ts reports the skip with its reason; CI's Node 24 leg runs it.
 */
export const RUNS_AI_V7 = NODE_MAJOR >= 22;

export default defineConfig({
  resolve: { conditions: ['confab-source'] },
  ssr: { resolve: { conditions: ['confab-source'] } },
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'default',
          include: ['packages/*/src/**/*.test.ts', 'tests/**/*.test.ts'],
          provide: { aiMajor: 6 },
        },
      },
      ...(RUNS_AI_V7
        ? [
            {
              extends: true as const,
              // `ai` and its subpaths (`ai/…`) become `ai-v7` wherever Vite resolves them: the tests
              // and every workspace source they load (externalised node_modules keep their own `ai`).
              resolve: { alias: [{ find: /^ai(\/.*)?$/, replacement: 'ai-v7$1' }] },
              test: { name: 'ai@7', include: AI_V7_TESTS, provide: { aiMajor: 7 as const } },
            },
          ]
        : []),
    ],
  },
});

declare module 'vitest' {
  export interface ProvidedContext {
    /** The `ai` major a project's tests are meant to load (checked by ai-major.test.ts). */
    aiMajor: 6 | 7;
  }
}
