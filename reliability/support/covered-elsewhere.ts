/**
 * Operations of the OpenAPI document that the fuzzer and the isolation sweep do not generate, each
 * with the tests that cover them instead. Empty: every operation, the AI SDK UI endpoints of
 * DESIGN §9 included, has a generator (fuzz-routes.ts) and sweep cases (isolation-cases.ts). An
 * operation added here needs a reason and the tests named; anything not listed must have a
 * generator and a sweep case, or those tests fail.
 */
export const COVERED_ELSEWHERE: Readonly<Record<string, string>> = {};

/** The operations (`<method> <path>`) a reliability sweep must cover: all but {@link COVERED_ELSEWHERE}. */
export function sweptOperations(operations: Iterable<string>): string[] {
  return [...operations].filter((operation) => !(operation in COVERED_ELSEWHERE)).sort();
}
