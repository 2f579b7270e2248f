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

  /** Runs `task` once after `delayMs`; the caller makes sure one is pending at a time. */
  once(name: string, delayMs: number, task: () => void): void {
    this.#pending.set(name, this.#clock.setTimer(delayMs, task));
  }

  cancelAll(): void {
    this.#stopped = true;
    for (const cancel of this.#pending.values()) cancel();
    this.#pending.clear();
  }
}
