import aiPackage from 'ai/package.json' with { type: 'json' };
import { describe, expect, inject, it } from 'vitest';

// The package peers `ai: ^6 || ^7`, and vitest.config.ts runs the tests that touch `ai` once per
// major: the default project with the workspace's ai@6, the `ai@7` project with `ai` resolved to
// the tests workspace's optional `ai-v7`. This checks each project really loads the major it names,
// so an ai@7 run cannot pass on ai@6 unnoticed.
const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

describe('the ai package these tests load', () => {
  it("is the major its vitest project names (6 in the default project, 7 in 'ai@7')", () => {
    expect(Number(aiPackage.version.split('.')[0])).toBe(inject('aiMajor'));
  });

  // ai@7 and its packages declare `engines.node >=22`: npm leaves the optional `ai-v7` out on
  // Node 20, so the ai@7 project runs only on Node ≥ 22 (CI's Node 24 leg runs it).
  it.skipIf(NODE_MAJOR < 22)(
    'ai@7 is installed for the ai@7 project (skipped on Node 20: ai@7 needs Node ≥ 22)',
    async () => {
      // A specifier TypeScript does not resolve: on Node 20 the package is not there to type-check.
      const specifier = 'ai-v7/package.json';
      const { default: v7 } = await import(specifier, { with: { type: 'json' } });
      expect(Number(v7.version.split('.')[0])).toBe(7);
    },
  );
});
