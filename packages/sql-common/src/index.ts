export * from './account-rows.js';
export * from './json-values.js';
