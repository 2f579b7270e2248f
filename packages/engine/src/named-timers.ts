import type { CancelTimer, Clock } from './clock';

/**
 * The engine's timers, by purpose: each purpose has at most one pending timer, so nothing accumulates
 * in long runs, and `cancelAll` stops every one of them.
 */
export class NamedTimers {
  readonly #clock: Clock;
  readonly #pending = new Map<string, CancelTimer>();
  #stopped = false;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Runs `task` every `periodMs` until `cancelAll`. */
  every(name: string, periodMs: number, task: () => void): void {
    const run = (): void => {
      if (this.#stopped) return;
      try {
        task();
      } finally {
        // A task that throws (a bug) loses its own run, not every later one.
        if (!this.#stopped) this.#pending.set(name, this.#clock.setTimer(periodMs, run));
      }
    };
    this.#pending.set(name, this.#clock.setTimer(periodMs, run));
  }

  /**
   * Runs `task` once after `delayMs`; the caller makes sure one is pending at a time. Nothing once `cancelAll` was
   * called (a store's answer after the engine's end set a timer no one would cancel), and the name is forgotten as it
   * fires (names of their own, one per chunk, piled up).
   */
  once(name: string, delayMs: number, task: () => void): void {
    if (this.#stopped) return;
    const cancel = this.#clock.setTimer(delayMs, () => {
      // Its own entry only: one set again under the name meanwhile stays, to be cancelled.
      if (this.#pending.get(name) === cancel) this.#pending.delete(name);
      task();
    });
    this.#pending.set(name, cancel);
  }

  cancelAll(): void {
    this.#stopped = true;
    for (const cancel of this.#pending.values()) cancel();
    this.#pending.clear();
  }
}
