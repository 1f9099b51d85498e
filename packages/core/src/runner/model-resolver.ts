import type { LanguageModelV3 } from '@ai-sdk/provider';
import { errors } from '../errors.js';
import { createEchoModel } from '../testing/echo-model.js';
import type { ModelReference } from './agent.js';
import { adaptLanguageModel, type SupportedLanguageModel } from './language-model.js';

/**
 * Turns a model name (or a model object) into a model: an AI SDK 6 `LanguageModelV3` or an AI SDK 7
 * `LanguageModelV4`. The runtime checks and adapts what a resolver answers ({@link checkedResolver}).
 */
export type ModelResolver = (reference: ModelReference) => Promise<SupportedLanguageModel>;

/** A resolver whose answers were checked and are in the form the runtime calls (v3-shaped). */
export type RuntimeModelResolver = (reference: ModelReference) => Promise<LanguageModelV3>;

/** Builds a model for a provider from the rest of the name (`openai:gpt-4o` → `gpt-4o`). */
export type ProviderFactory = (name: string) => SupportedLanguageModel | Promise<SupportedLanguageModel>;

/** The providers Confab knows by name, each an AI SDK provider package. */
export type BuiltInProvider = 'openai' | 'anthropic' | 'openai-compatible';

/** The AI SDK package of each built-in provider. */
export const PROVIDER_PACKAGES: Readonly<Record<BuiltInProvider, string>> = {
  openai: '@ai-sdk/openai',
  anthropic: '@ai-sdk/anthropic',
  'openai-compatible': '@ai-sdk/openai-compatible',
};

/** A loaded provider package's exports. */
export type ProviderModule = Record<string, unknown>;

/** Options of {@link createModelResolver}. */
export interface ModelResolverOptions {
  /** More providers by prefix (`slow:x` → `providers.slow('x')`); they win over the built-in ones. */
  providers?: Record<string, ProviderFactory>;
  /**
   * Loads a built-in provider's package on first use. Default: `import()` of its package name
   * ({@link PROVIDER_PACKAGES}) from Confab's own location, so whichever major is installed is used
   * (AI SDK 6 packages give v3 models, AI SDK 7 packages v4 models).
   */
  loadProvider?: (provider: BuiltInProvider) => Promise<ProviderModule>;
  /** Settings of `openai-compatible:` models. */
  openaiCompatible?: {
    /** Sent as `Authorization: Bearer <apiKey>` (vLLM's `--api-key`, a hosted endpoint). */
    apiKey?: string;
  };
}

async function importPackage(provider: BuiltInProvider): Promise<ProviderModule> {
  // A variable specifier keeps optional provider packages out of the type graph and the bundle.
  const specifier = PROVIDER_PACKAGES[provider];
  return (await import(specifier)) as ProviderModule;
}

/**
 * Splits the rest of an `openai-compatible:` name into base URL and model name. The base URL is
 * `http(s)://host[:port]` and an optional path without colons; the model name is everything after
 * the colon that follows it, colons included: `http://127.0.0.1:11434/v1:llama3.1:8b` →
 * `http://127.0.0.1:11434/v1` and `llama3.1:8b`. (A port is digits, so `http://host:llama3` has
 * no port and names `llama3`.) Anything else → `invalid_argument`.
 */
export function splitOpenAICompatibleName(rest: string): { baseURL: string; name: string } {
  const match = /^(https?:\/\/(?:\[[0-9A-Fa-f:.]+\]|[^/:\s[\]]+)(?::\d{1,5})?(?:\/[^:\s]*)?):(\S+)$/.exec(rest);
  if (!match) {
    throw errors.invalidArgument(
      'use openai-compatible:<baseURL>:<name>, e.g. openai-compatible:http://127.0.0.1:11434/v1:llama3.1:8b',
    );
  }
  const baseURL = match[1]!.replace(/\/+$/, '');
  try {
    new URL(baseURL);
  } catch (error) {
    throw errors.invalidArgument(`openai-compatible: ${baseURL} is not a URL`, { cause: error });
  }
  return { baseURL, name: match[2]! };
}

type ModelFactory = (id: string) => SupportedLanguageModel;

function builtIns(options: ModelResolverOptions): Record<BuiltInProvider, ProviderFactory> {
  const loaded = new Map<BuiltInProvider, Promise<ProviderModule>>();
  const load = (provider: BuiltInProvider) => {
    let module = loaded.get(provider);
    if (!module) {
      module = (options.loadProvider ?? importPackage)(provider).catch((error: unknown) => {
        loaded.delete(provider);
        throw errors.invalidArgument(`model provider package ${PROVIDER_PACKAGES[provider]} is not installed`, {
          cause: error,
        });
      });
      loaded.set(provider, module);
    }
    return module;
  };
  const apiKey = options.openaiCompatible?.apiKey;
  return {
    openai: async (name) => ((await load('openai')).openai as ModelFactory)(name),
    anthropic: async (name) => ((await load('anthropic')).anthropic as ModelFactory)(name),
    'openai-compatible': async (rest) => {
      const { baseURL, name } = splitOpenAICompatibleName(rest);
      const module = await load('openai-compatible');
      const create = module.createOpenAICompatible as (settings: {
        name: string;
        baseURL: string;
        apiKey?: string;
        includeUsage?: boolean;
      }) => ModelFactory;
      // includeUsage asks for `stream_options: { include_usage: true }`, so turns report usage.
      return create({ name: 'openai-compatible', baseURL, includeUsage: true, ...(apiKey && { apiKey }) })(name);
    },
  };
}

/**
 * Resolves `echo`, `openai:<name>`, `anthropic:<name>` and `openai-compatible:<baseURL>:<name>`
 * (see {@link splitOpenAICompatibleName}) through the AI SDK provider packages (installed on demand
 * by the application, loaded on first use), plus any `providers` given. A model object passes
 * through. Every model is checked and v4 models adapted ({@link adaptLanguageModel}). Unknown
 * names, malformed names and models of another specification → `invalid_argument`.
 */
export function createModelResolver(options: ModelResolverOptions = {}): RuntimeModelResolver {
  const factories: Record<string, ProviderFactory> = { ...builtIns(options), ...options.providers };
  const resolver: RuntimeModelResolver = async (reference) => {
    if (typeof reference !== 'string') return adaptLanguageModel(reference);
    if (reference === 'echo') return createEchoModel();
    const split = reference.indexOf(':');
    const factory = split > 0 ? factories[reference.slice(0, split)] : undefined;
    if (!factory) throw errors.invalidArgument(`unknown model ${reference}`);
    return adaptLanguageModel(await factory(reference.slice(split + 1)));
  };
  checked.add(resolver);
  return resolver;
}

/**
 * A resolver whose every answer is checked and adapted, for resolvers given by the application
 * (which may answer v4 models, or anything). Idempotent on resolvers built here.
 */
export function checkedResolver(resolver: ModelResolver): RuntimeModelResolver {
  if (checked.has(resolver)) return resolver as RuntimeModelResolver;
  const wrapped: RuntimeModelResolver = async (reference) => adaptLanguageModel(await resolver(reference));
  checked.add(wrapped);
  return wrapped;
}

const checked = new WeakSet<object>();
