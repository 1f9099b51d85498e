import {
  type BuiltInProvider,
  createModelResolver,
  type ModelResolverOptions,
  PROVIDER_PACKAGES,
  type ProviderModule,
  type RuntimeModelResolver,
} from 'confab';

/**
 * The AI SDK 7 line of each provider package, installed under an npm alias next to the AI SDK 6
 * line (`@ai-sdk/openai-v4` is `npm:@ai-sdk/openai@^4`). These need Node ≥ 22, so they are
 * optional dependencies: npm skips them on Node 20.
 */
export const CURRENT_PROVIDER_PACKAGES: Readonly<Record<BuiltInProvider, string>> = {
  openai: '@ai-sdk/openai-v4',
  anthropic: '@ai-sdk/anthropic-v4',
  'openai-compatible': '@ai-sdk/openai-compatible-v3',
};

/** True on Node ≥ 22, where the AI SDK 7 provider packages run. */
export function runsCurrentProviders(version = process.versions.node): boolean {
  return Number(version.split('.')[0]) >= 22;
}

/**
 * Loads a provider package on first use, from the server's own dependencies: on Node ≥ 22 the
 * current major (AI SDK 7, `LanguageModelV4` models) when it is installed, else the previous one
 * (AI SDK 6, `LanguageModelV3`), which is all that runs on Node 20.
 */
export async function loadServerProvider(provider: BuiltInProvider): Promise<ProviderModule> {
  if (runsCurrentProviders()) {
    try {
      return await importPackage(CURRENT_PROVIDER_PACKAGES[provider]);
    } catch {
      // Not installed (e.g. an install made on Node 20): the previous major still works.
    }
  }
  return importPackage(PROVIDER_PACKAGES[provider]);
}

async function importPackage(specifier: string): Promise<ProviderModule> {
  // A variable specifier: the optional packages may be absent, so they stay out of the type graph.
  return (await import(specifier)) as ProviderModule;
}

/**
 * The model resolver of a server: {@link createModelResolver} with the provider packages the server
 * ships ({@link loadServerProvider}).
 */
export function createServerModelResolver(
  options: Omit<ModelResolverOptions, 'loadProvider'> = {},
): RuntimeModelResolver {
  return createModelResolver({ ...options, loadProvider: loadServerProvider });
}
