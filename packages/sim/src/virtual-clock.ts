import type { Clock } from '@swarmlab/engine';
import { EventQueue } from './event-queue';

/** Simulated time: callbacks run in time order, instantly; `nowMs` is the time of the running one. */
export class VirtualClock implements Clock {
  readonly #queue = new EventQueue();
  #nowMs = 0;
  #eventsRun = 0;

  nowMs(): number {
    return this.#nowMs;
  }

  get eventsRun(): number {
    return this.#eventsRun;
  }

  setTimer(delayMs: number, callback: () => void): () => void {
    let cancelled = false;
    this.#queue.push(this.#nowMs + Math.max(0, delayMs), () => {
      if (!cancelled) callback();
    });
    return () => {
      cancelled = true;
    };
  }

  /** Runs `callback` at `atMs` (not before now); cannot be cancelled, so it costs one heap entry and nothing else. */
  at(atMs: number, callback: () => void): void {
    this.#queue.push(Math.max(atMs, this.#nowMs), callback);
  }

  /** Runs events until `done()` holds, the queue empties, or time passes `untilMs`. */
  run(done: () => boolean, untilMs: number): void {
    while (!done()) {
      const next = this.#queue.peekTime();
      if (next === undefined || next > untilMs) return;
      const event = this.#queue.pop()!;
      this.#nowMs = event.atMs;
      this.#eventsRun++;
      event.callback();
    }
  }
}
