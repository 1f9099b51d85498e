/** Test helpers for Confab users: deterministic models arrive with the runner. */
export {};
