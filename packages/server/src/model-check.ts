import { ConfabError, errors, type ModelResolver } from 'confab';
import type { ServerContext } from './context.js';

/** Names each resolver accepted, so a name is resolved once per resolver, not per request. */
const accepted = new WeakMap<ModelResolver, Set<string>>();

/**
 * Refuses, with 400 `invalid_argument` and before anything is written, a model name a request may
 * not use (DESIGN §7): one not on the server's allowed list, or, when the server has no list, one
 * that spells a provider address (`openai-compatible:http://…`), so a tenant never makes the server
 * call an address of its choosing; then a name the server cannot resolve (the runner would
 * otherwise record the turn's start and only then fail on the model). Names that resolved once are
 * remembered.
 */
export async function checkModelName(server: ServerContext, model: string | null | undefined): Promise<void> {
  if (!model) return;
  if (server.allowedModels) {
    if (!server.allowedModels.has(model)) {
      throw errors.invalidArgument(`model ${model} is not allowed on this server (see the operator's --models list)`);
    }
  } else if (spellsAddress(model)) {
    throw errors.invalidArgument(
      `model ${model} names a provider address; provider base URLs are the operator's to set`,
    );
  }
  const resolver = server.resolveModel;
  if (!resolver) return;
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

/** Whether a model name carries a URL (`openai-compatible:<baseURL>:<name>`, any `scheme://`). */
export function spellsAddress(model: string): boolean {
  return model.startsWith('openai-compatible:') || model.includes('://');
}
