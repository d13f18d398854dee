/**
 * Polls `check` until it returns a truthy value, and returns that value; throws, naming `what`,
 * once `timeoutMs` have passed without one. The one wait of the tests and benchmarks: they wait
 * for a condition, never for a fixed time.
 */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs = 3000, what = 'a condition', everyMs = 50): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
