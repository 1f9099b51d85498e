/**
 * Test helpers for Confab users: deterministic models that need no key and no network, as
 * `LanguageModelV3` (AI SDK 6, the default) or `LanguageModelV4` (`specificationVersion: 'v4'`). `createEchoModel` is the built-in `echo` model of the contract; `createScriptedModel`
 * answers each call with the next scripted step and records what it was sent.
 */
export { createEchoModel, ECHO_MAX_SLEEP_MS, type EchoModelOptions } from './echo-model.js';
export {
  createScriptedModel,
  type ScriptedCall,
  type ScriptedModel,
  type ScriptedModelOptions,
  type ScriptedModelV4,
  type ScriptedPart,
  type ScriptedScript,
  type ScriptedStep,
  scriptedText,
  scriptedToolCall,
} from './scripted-model.js';
