/**
 * An abort signal that follows `parent` and, optionally, fires after `timeoutMs`. Unlike
 * `AbortSignal.any`, it detaches from the parent on `dispose()`, so a long-lived parent does not
 * keep every short-lived child (and what its listeners hold) alive.
 */
export function linkedAbort(parent: AbortSignal, timeoutMs?: number) {
  const controller = new AbortController();
  let timedOut = false;
  const follow = () => controller.abort(parent.reason);
  if (parent.aborted) follow();
  else parent.addEventListener('abort', follow, { once: true });
  const timer =
    timeoutMs === undefined
      ? null
      : setTimeout(() => {
          timedOut = true;
          controller.abort('timeout');
        }, timeoutMs);
  return {
    signal: controller.signal,
    /** True when the timeout, not the parent, fired. */
    timedOut: () => timedOut,
    /** Detaches from the parent and clears the timer. */
    dispose: () => {
      parent.removeEventListener('abort', follow);
      if (timer) clearTimeout(timer);
    },
  };
}
