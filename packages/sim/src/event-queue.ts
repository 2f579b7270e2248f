/** A binary min-heap of callbacks keyed by time; equal times run in insertion order. */
export class EventQueue {
  #times: number[] = [];
  #seqs: number[] = [];
  #callbacks: Array<() => void> = [];
  #nextSeq = 0;

  get size(): number {
    return this.#times.length;
  }

  push(atMs: number, callback: () => void): void {
    let index = this.#times.length;
    const seq = this.#nextSeq++;
    this.#times.push(atMs);
    this.#seqs.push(seq);
    this.#callbacks.push(callback);
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.#before(index, parent)) break;
      this.#swap(index, parent);
      index = parent;
    }
  }

  /** Time of the earliest event, or `undefined` when empty. */
  peekTime(): number | undefined {
    return this.#times[0];
  }

  /** Removes and returns the earliest event. */
  pop(): { atMs: number; callback: () => void } | undefined {
    if (this.#times.length === 0) return undefined;
    const atMs = this.#times[0]!;
    const callback = this.#callbacks[0]!;
    const last = this.#times.length - 1;
    this.#swap(0, last);
    this.#times.pop();
    this.#seqs.pop();
    this.#callbacks.pop();
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < this.#times.length && this.#before(left, smallest)) smallest = left;
      if (right < this.#times.length && this.#before(right, smallest)) smallest = right;
      if (smallest === index) break;
      this.#swap(index, smallest);
      index = smallest;
    }
    return { atMs, callback };
  }

  #before(a: number, b: number): boolean {
    const ta = this.#times[a]!;
    const tb = this.#times[b]!;
    return ta < tb || (ta === tb && this.#seqs[a]! < this.#seqs[b]!);
  }

  #swap(a: number, b: number): void {
    [this.#times[a], this.#times[b]] = [this.#times[b]!, this.#times[a]!];
    [this.#seqs[a], this.#seqs[b]] = [this.#seqs[b]!, this.#seqs[a]!];
    [this.#callbacks[a], this.#callbacks[b]] = [this.#callbacks[b]!, this.#callbacks[a]!];
  }
}
