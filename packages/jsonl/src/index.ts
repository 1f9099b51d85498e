/**
 * `@confab/jsonl`: a Confab `SessionStore` on plain files, one append-only JSONL log per session
 * plus an atomically replaced meta file. Single process; see {@link JsonlStore}.
 */

export { type AccountRequest, type JsonlAccounts, jsonlAccountsOfRunningStore } from './account-requests.js';
export type { WarningLogger } from './event-log.js';
export { JsonlStore } from './jsonl-store.js';
export type { JsonlStoreOptions } from './jsonl-store-base.js';
