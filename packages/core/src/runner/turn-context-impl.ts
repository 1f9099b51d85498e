import jsonPatch from 'fast-json-patch';
import { ConfabError } from '../errors.js';
import type { JsonPatchOperation } from '../model/event.js';
import type { JsonObject } from '../model/json.js';
import type { SessionRecord } from '../model/session.js';
import type { SessionStore } from '../store/port/session-store.js';
import { newId } from '../util/ids.js';
import { readConversationContext } from './conversation-context.js';
import type { TurnContext, TurnInput } from './turn-context.js';
import type { TurnWriter } from './turn-writer.js';

/**
 * The session state after `patch`, validated. Throws `invalid_argument` when the patch does not
 * apply (bad path, failed `test`), leaving the state untouched.
 */
export function applyStatePatch(state: JsonObject, patch: JsonPatchOperation[]): JsonObject {
  try {
    const result = jsonPatch.applyPatch(structuredClone(state), patch as jsonPatch.Operation[], true, false);
    const next = result.newDocument as unknown;
    if (typeof next !== 'object' || next === null || Array.isArray(next)) {
      throw new Error('the state must stay a JSON object');
    }
    return next as JsonObject;
  } catch (error) {
    throw new ConfabError('invalid_argument', `state patch does not apply: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** Records a state patch through `writer`: a `state-patch` event and the new state, atomically. */
export async function writeStatePatch(writer: TurnWriter, patch: JsonPatchOperation[]): Promise<JsonObject> {
  const session = writer.session;
  const state = applyStatePatch(session.state, patch);
  const version = session.stateVersion + 1;
  await writer.append([{ type: 'state-patch', data: { patch, version } }], {
    update: { state, stateVersion: version },
  });
  return state;
}

/** Builds the context a flow receives, every helper writing through the turn's writer. */
export function createTurnContext(options: {
  store: SessionStore;
  writer: TurnWriter;
  session: SessionRecord;
  inputs: TurnInput[];
  signal: AbortSignal;
}): TurnContext {
  const { writer, store } = options;

  return {
    sessionId: options.session.id,
    turn: writer.turn,
    inputs: options.inputs,
    text: options.inputs.map((input) => input.text).join('\n'),
    session: options.session,
    signal: options.signal,
    async say(text, sayOptions = {}) {
      const messageId = newId('msg');
      writer.delta('text-delta', { messageId, delta: text });
      const reasoning = sayOptions.reasoning ? { reasoning: sayOptions.reasoning } : {};
      await writer.append([{ type: 'message', data: { messageId, role: 'assistant', text, ...reasoning } }]);
    },
    async streamText(chunks) {
      const messageId = newId('msg');
      let text = '';
      for await (const chunk of chunks) {
        if (options.signal.aborted) break;
        text += chunk;
        writer.delta('text-delta', { messageId, delta: chunk });
      }
      if (text) {
        await writer.append([{ type: 'message', data: { messageId, role: 'assistant', text } }]);
      }
      return text;
    },
    patchState: (patch) => writeStatePatch(writer, patch),
    async setArtifact(name, value) {
      await writer.append([{ type: 'artifact', data: { name, value } }]);
    },
    history: () => readConversationContext(store, options.session.id),
  };
}
