/**
 * The work the handlers started that no one waits for (a request's handler after its answer, a disconnect's clean-up),
 * so that closing the server waits for it before it closes the shared state: a server on Redis closed its client while
 * the disconnects of its own close still wrote, and each write failed, "The client is closed" (found by a check of
 * the tests' server logs). Settles whatever each piece of work does: its failures are the handlers' to log.
 */
export class PendingWork {
  readonly #pending = new Set<Promise<unknown>>();

  /** How many pieces of work are still under way. */
  get count(): number {
    return this.#pending.size;
  }

  /** Keeps `work` until it settles. */
  track(work: Promise<unknown>): void {
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    this.#pending.add(settled);
    void settled.then(() => this.#pending.delete(settled));
  }

  /** Resolves once the work under way now, and any it leads to, has settled, or after `withinMs` at most. */
  async settled(withinMs: number): Promise<void> {
    const deadline = performance.now() + withinMs;
    while (this.#pending.size > 0) {
      const remainingMs = deadline - performance.now();
      if (remainingMs <= 0) return;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.all(this.#pending),
        new Promise((resolve) => (timer = setTimeout(resolve, remainingMs))),
      ]);
      clearTimeout(timer);
    }
  }
}
