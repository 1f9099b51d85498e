import { ConfabError, errors, type ModelResolver } from 'confab';
import type { ServerContext } from './context.js';

/** Names each resolver accepted, so a name is resolved once per resolver, not per request. */
const accepted = new WeakMap<ModelResolver, Set<string>>();

/**
 * Refuses a model name the server cannot resolve (400) before anything is written: the runner
 * would otherwise record the turn's start and only then fail on the model. A no-op when the server
 * has no resolver to check with. Names that resolved once are remembered.
 */
export async function checkModelName(server: ServerContext, model: string | null | undefined): Promise<void> {
  const resolver = server.resolveModel;
  if (!model || !resolver) return;
  const known = accepted.get(resolver) ?? new Set<string>();
  accepted.set(resolver, known);
  if (known.has(model)) return;
  try {
    await resolver(model);
  } catch (error) {
    if (ConfabError.isInstance(error, 'invalid_argument')) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw errors.invalidArgument(`model ${model} cannot be used: ${reason}`, { cause: error });
  }
  if (known.size < 1000) known.add(model);
}
