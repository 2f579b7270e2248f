/**
 * Runs tasks one at a time per key, in the order given, and tasks of different keys side by side. The
 * Redis store queues its updates of one swarm so that this process's own requests never conflict with
 * each other: a compare-and-set then fails only on another process's write.
 */
export interface KeyedQueue {
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
  /** Whether `key` has a task queued or running. */
  has(key: string): boolean;
  /** Keys with a task queued or running. */
  readonly size: number;
}

export function createKeyedQueue(): KeyedQueue {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run(key, task) {
      const previous = tails.get(key) ?? Promise.resolve();
      const result = previous.then(task, task);
      const tail = result.catch(() => undefined);
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return result;
    },
    has(key) {
      return tails.has(key);
    },
    get size() {
      return tails.size;
    },
  };
}
