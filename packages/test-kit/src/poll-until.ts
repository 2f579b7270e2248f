/**
 * Polls `read` every `intervalMs` until it gives a value (not `undefined` or `false`), and resolves with it;
 * rejects naming `what` after `timeoutMs`. For tests that wait on real sockets and processes, where no test
 * clock can be moved by hand.
 */
export async function pollUntil<T>(
  read: () => T | undefined | false,
  what: string,
  timeoutMs: number,
  intervalMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => setTimeout(() => resolve(), intervalMs));
  }
}
