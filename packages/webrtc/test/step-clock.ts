import type { Clock } from '@swarmlab/engine';

/** A virtual clock for link tests: timers run only in `runAll`, in due-time order (ties in scheduling order). */
export class StepClock implements Clock {
  #nowMs = 0;
  #nextId = 0;
  readonly #timers = new Map<number, { readonly dueMs: number; readonly callback: () => void }>();

  nowMs(): number {
    return this.#nowMs;
  }

  setTimer(delayMs: number, callback: () => void): () => void {
    const id = this.#nextId++;
    this.#timers.set(id, { dueMs: this.#nowMs + Math.max(0, delayMs), callback });
    return () => this.#timers.delete(id);
  }

  /** Runs every timer, including those scheduled meanwhile, until none is left. */
  runAll(): void {
    for (;;) {
      let next: [number, { readonly dueMs: number; readonly callback: () => void }] | undefined;
      for (const entry of this.#timers) if (!next || entry[1].dueMs < next[1].dueMs) next = entry;
      if (!next) return;
      this.#timers.delete(next[0]);
      this.#nowMs = next[1].dueMs;
      next[1].callback();
    }
  }
}
