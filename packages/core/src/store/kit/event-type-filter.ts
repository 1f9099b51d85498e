import { errors } from '../../errors.js';
import { EVENT_TYPES, type EventType } from '../../model/event.js';

const PERSISTED_TYPES: ReadonlySet<string> = new Set<string>(EVENT_TYPES);

/**
 * Resolves the `types` filter of `readContext` (see `ReadContextOptions`): null when absent (every
 * type), else the distinct types asked for, in the order of `EVENT_TYPES`; an empty list stays
 * empty (no event matches). Fails with `invalid_argument` when `types` is not an array or names
 * anything but a persisted event type (stream-only deltas included), so a misspelt type is an
 * error instead of a silently empty context.
 */
export function checkEventTypes(types: readonly EventType[] | undefined): readonly EventType[] | null {
  if (types === undefined) return null;
  if (!Array.isArray(types)) throw errors.invalidArgument('types must be an array of event types');
  for (const type of types) {
    if (typeof type !== 'string' || !PERSISTED_TYPES.has(type)) {
      throw errors.invalidArgument(`types: ${JSON.stringify(type)} is not a persisted event type`);
    }
  }
  const wanted = new Set<string>(types);
  return EVENT_TYPES.filter((type) => wanted.has(type));
}
