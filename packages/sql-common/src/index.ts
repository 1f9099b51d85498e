export * from './account-rows.js';
