/**
 * A failure that ends a benchmark with its message and exit status 1 (not a usage mistake): a tab that
 * failed, a SHA-256 mismatch, a run that timed out. `cli.ts` prints it without a stack.
 */
export class BenchFailure extends Error {
  override readonly name = 'BenchFailure';
}

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/**
 * Calls `step` every `intervalMs` until it returns a value; throws a `BenchFailure` with `message()` once
 * `timeoutMs` has passed.
 */
export async function pollUntil<T>(
  step: () => Promise<T | undefined>,
  options: {
    readonly intervalMs: number;
    readonly timeoutMs: number;
    readonly message: () => string | Promise<string>;
  },
): Promise<T> {
  const deadlineMs = performance.now() + options.timeoutMs;
  for (;;) {
    const value = await step();
    if (value !== undefined) return value;
    if (performance.now() > deadlineMs) throw new BenchFailure(await options.message());
    await sleep(options.intervalMs);
  }
}
