export * from './account-rows.js';
export * from './fork-plan.js';
export * from './json-values.js';
export * from './session-context-read.js';
export * from './session-reads.js';
export * from './session-rows.js';
