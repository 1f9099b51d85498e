/** How often {@link waitUntil} looks again: often enough not to add latency a test would notice. */
const POLL_MS = 20;

/**
 * Polls `check` every {@link POLL_MS} ms until it returns true or `timeoutMs` has passed. Resolves
 * true as soon as `check` holds and false on timeout: it never throws, so the caller decides
 * whether a timeout is a failure and can report what it was waiting for.
 */
export async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return true;
}
