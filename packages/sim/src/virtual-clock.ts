import type { Clock } from '@swarmlab/engine';
import { EventQueue, type EventCall } from './event-queue';

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

  /** Runs `callback` at `atMs` (not before now); cannot be cancelled, so it costs one queue entry and nothing else. */
  at(atMs: number, callback: () => void): void {
    this.#queue.append(Math.max(atMs, this.#nowMs), callOnly, callback, undefined);
  }

  /**
   * Runs `call(a, b)` `delayMs` from now, without a closure per event. Cheapest when every call of it
   * uses the same delay (a link's latency): the events then queue first-in first-out.
   */
  after<A, B>(delayMs: number, call: EventCall<A, B>, a: A, b: B): void {
    this.#queue.append(this.#nowMs + Math.max(0, delayMs), call, a, b);
  }

  /** Runs every event before `endMs` and not after `lastMs`: one window of a swarm split across threads. */
  runBefore(endMs: number, lastMs: number): void {
    for (;;) {
      const next = this.#queue.peekTime();
      if (next === undefined || next >= endMs || next > lastMs) return;
      this.#nowMs = next;
      this.#eventsRun++;
      this.#queue.runNext();
    }
  }

  /** True when no event is queued. */
  get idle(): boolean {
    return this.#queue.size === 0;
  }

  /** Queues events that arrive from another thread, in time order (see `EventQueue.mergeSorted`). */
  mergeSorted<A, B>(
    count: number,
    times: Float64Array,
    calls: readonly EventCall<A, B>[],
    as: readonly A[],
    bs: readonly B[],
  ): void {
    this.#queue.mergeSorted(count, times, calls, as, bs);
  }

  /** Runs events until `done()` holds, the queue empties, or time passes `untilMs`. */
  run(done: () => boolean, untilMs: number): void {
    while (!done()) {
      const next = this.#queue.peekTime();
      if (next === undefined || next > untilMs) return;
      this.#nowMs = next;
      this.#eventsRun++;
      this.#queue.runNext();
    }
  }
}

function callOnly(callback: () => void): void {
  callback();
}
