/** Resolves true when `promise` settles before `deadline` (epoch ms, may be infinite), false otherwise. */
export async function waitUntil(promise: Promise<unknown>, deadline: number): Promise<boolean> {
  const remaining = deadline - Date.now();
  if (remaining === Number.POSITIVE_INFINITY) {
    await promise.catch(() => undefined);
    return true;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, remaining));
  });
  const settled = promise.then(
    () => true,
    () => true,
  );
  const result = await Promise.race([settled, timeout]);
  clearTimeout(timer);
  return result;
}
