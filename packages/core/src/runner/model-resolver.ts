import type { LanguageModelV3 } from '@ai-sdk/provider';
import { errors } from '../errors.js';
import { createEchoModel } from '../testing/echo-model.js';
import type { ModelReference } from './agent.js';

/** Turns a model name into a model. */
export type ModelResolver = (reference: ModelReference) => Promise<LanguageModelV3>;

/** Builds a model for a provider from the rest of the name (`openai:gpt-4o` → `gpt-4o`). */
export type ProviderFactory = (name: string) => LanguageModelV3 | Promise<LanguageModelV3>;

interface ProviderModule {
  [key: string]: unknown;
}

async function importProvider(packageName: string): Promise<ProviderModule> {
  try {
    // A variable specifier keeps optional provider packages out of the type graph and the bundle.
    const specifier = packageName;
    return (await import(specifier)) as ProviderModule;
  } catch (error) {
    throw errors.invalidArgument(`model provider package ${packageName} is not installed`, { cause: error });
  }
}

const BUILT_IN: Record<string, ProviderFactory> = {
  openai: async (name) => {
    const module = await importProvider('@ai-sdk/openai');
    return (module.openai as (id: string) => LanguageModelV3)(name);
  },
  anthropic: async (name) => {
    const module = await importProvider('@ai-sdk/anthropic');
    return (module.anthropic as (id: string) => LanguageModelV3)(name);
  },
  'openai-compatible': async (rest) => {
    // `<baseURL>:<name>`: the URL has colons of its own, so the model name is after the last one.
    const split = rest.lastIndexOf(':');
    if (split <= 0) throw errors.invalidArgument('use openai-compatible:<baseURL>:<name>');
    const baseURL = rest.slice(0, split);
    const name = rest.slice(split + 1);
    const module = await importProvider('@ai-sdk/openai-compatible');
    const create = module.createOpenAICompatible as (options: {
      name: string;
      baseURL: string;
    }) => (id: string) => LanguageModelV3;
    return create({ name: 'openai-compatible', baseURL })(name);
  },
};

/**
 * Resolves `echo`, `openai:<name>`, `anthropic:<name>` and `openai-compatible:<baseURL>:<name>`
 * through the AI SDK provider packages (installed on demand by the application), plus any
 * `providers` given. A model object passes through unchanged. Unknown names → `invalid_argument`.
 */
export function createModelResolver(providers: Record<string, ProviderFactory> = {}): ModelResolver {
  const factories = { ...BUILT_IN, ...providers };
  return async (reference) => {
    if (typeof reference !== 'string') return reference;
    if (reference === 'echo') return createEchoModel();
    const split = reference.indexOf(':');
    const factory = split > 0 ? factories[reference.slice(0, split)] : undefined;
    if (!factory) throw errors.invalidArgument(`unknown model ${reference}`);
    return factory(reference.slice(split + 1));
  };
}
