/**
 * Test helpers for Confab users: deterministic `LanguageModelV3` models that need no key and no
 * network. `createEchoModel` is the built-in `echo` model of the contract; `createScriptedModel`
 * answers each call with the next scripted step and records what it was sent.
 */
export { createEchoModel, ECHO_MAX_SLEEP_MS, type EchoModelOptions } from './echo-model.js';
export {
  createScriptedModel,
  type ScriptedCall,
  type ScriptedModel,
  type ScriptedModelOptions,
  type ScriptedPart,
  type ScriptedScript,
  type ScriptedStep,
  scriptedText,
  scriptedToolCall,
} from './scripted-model.js';
