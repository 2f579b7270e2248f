/** What an event runs: a function of two arguments, so a caller can schedule without a closure per event. */
export type EventCall<A, B> = (a: A, b: B) => void;

/** Initial capacity of the queue's arrays; each doubles when full. */
const INITIAL_CAPACITY = 1024;

/**
 * Events keyed by time; equal times run in the order they were pushed. Two stores behind one order:
 * a binary min-heap for arbitrary times (timers), and a first-in first-out ring for events pushed in
 * time order (a fixed delay after a clock that only moves forward, as every message of a simulated
 * link is), which costs O(1) instead of O(log n) and reads memory in sequence. `pop` takes whichever
 * holds the earliest (time, push order), so where an event is stored never changes when it runs.
 */
export class EventQueue {
  #nextSeq = 0;

  // The heap, in parallel arrays (no object per event).
  #heapSize = 0;
  #heapTimes = new Float64Array(INITIAL_CAPACITY);
  #heapSeqs = new Float64Array(INITIAL_CAPACITY);
  #heapCalls: Array<EventCall<unknown, unknown> | undefined> = new Array(INITIAL_CAPACITY);
  #heapA: unknown[] = new Array(INITIAL_CAPACITY);
  #heapB: unknown[] = new Array(INITIAL_CAPACITY);

  // The ring: `#ringSize` events from `#ringHead`, capacity a power of two.
  #ringHead = 0;
  #ringSize = 0;
  #ringLastMs = -Infinity;
  #ringTimes = new Float64Array(INITIAL_CAPACITY);
  #ringSeqs = new Float64Array(INITIAL_CAPACITY);
  #ringCalls: Array<EventCall<unknown, unknown> | undefined> = new Array(INITIAL_CAPACITY);
  #ringA: unknown[] = new Array(INITIAL_CAPACITY);
  #ringB: unknown[] = new Array(INITIAL_CAPACITY);
  // Spare ring arrays for `mergeSorted`, which writes the merged ring there and swaps.
  #spareTimes = new Float64Array(0);
  #spareSeqs = new Float64Array(0);
  #spareCalls: Array<EventCall<unknown, unknown> | undefined> = [];
  #spareA: unknown[] = [];
  #spareB: unknown[] = [];

  get size(): number {
    return this.#heapSize + this.#ringSize;
  }

  /** Schedules `callback` at `atMs`. */
  push(atMs: number, callback: () => void): void {
    this.#heapPush(atMs, callOnly, callback, undefined);
  }

  /** Schedules `call(a, b)` at `atMs`; O(1) when `atMs` is not before the last event appended this way. */
  append<A, B>(atMs: number, call: EventCall<A, B>, a: A, b: B): void {
    const untyped = call as EventCall<unknown, unknown>;
    if (atMs < this.#ringLastMs) return this.#heapPush(atMs, untyped, a, b);
    this.#ringLastMs = atMs;
    if (this.#ringSize === this.#ringTimes.length) this.#growRing();
    const mask = this.#ringTimes.length - 1;
    const slot = (this.#ringHead + this.#ringSize++) & mask;
    this.#ringTimes[slot] = atMs;
    this.#ringSeqs[slot] = this.#nextSeq++;
    this.#ringCalls[slot] = untyped;
    this.#ringA[slot] = a;
    this.#ringB[slot] = b;
  }

  /**
   * Merges `count` events, already in time order and none before the ring's head, into the ring:
   * messages from another thread's half of a swarm, queued at once per window. Each goes after the
   * ring's events of the same time, so the merged order depends only on what each side sent.
   */
  mergeSorted<A, B>(
    count: number,
    times: Float64Array,
    calls: readonly EventCall<A, B>[],
    as: readonly A[],
    bs: readonly B[],
  ): void {
    if (count === 0) return;
    const size = this.#ringSize;
    let capacity = this.#ringTimes.length;
    while (capacity < size + count) capacity *= 2;
    const oldMask = this.#ringTimes.length - 1;
    // Merge into the spare arrays (kept from the last merge), then swap them in.
    if (this.#spareTimes.length !== capacity) {
      this.#spareTimes = new Float64Array(capacity);
      this.#spareSeqs = new Float64Array(capacity);
      this.#spareCalls = new Array(capacity);
      this.#spareA = new Array(capacity);
      this.#spareB = new Array(capacity);
    }
    const ringTimes = this.#spareTimes;
    const ringSeqs = this.#spareSeqs;
    const ringCalls = this.#spareCalls;
    const ringA = this.#spareA;
    const ringB = this.#spareB;
    let i = 0;
    let j = 0;
    for (let k = 0; k < size + count; k++) {
      const slot = (this.#ringHead + i) & oldMask;
      if (i < size && (j === count || this.#ringTimes[slot]! <= times[j]!)) {
        ringTimes[k] = this.#ringTimes[slot]!;
        ringSeqs[k] = this.#ringSeqs[slot]!;
        ringCalls[k] = this.#ringCalls[slot];
        ringA[k] = this.#ringA[slot];
        ringB[k] = this.#ringB[slot];
        this.#ringCalls[slot] = undefined;
        this.#ringA[slot] = undefined;
        this.#ringB[slot] = undefined;
        i++;
      } else {
        ringTimes[k] = times[j]!;
        ringSeqs[k] = this.#nextSeq++;
        ringCalls[k] = calls[j] as EventCall<unknown, unknown>;
        ringA[k] = as[j];
        ringB[k] = bs[j];
        j++;
      }
    }
    if (this.#ringTimes.length === capacity) {
      this.#spareTimes = this.#ringTimes;
      this.#spareSeqs = this.#ringSeqs;
      this.#spareCalls = this.#ringCalls;
      this.#spareA = this.#ringA;
      this.#spareB = this.#ringB;
    } else {
      this.#spareTimes = new Float64Array(0);
    }
    this.#ringTimes = ringTimes;
    this.#ringSeqs = ringSeqs;
    this.#ringCalls = ringCalls;
    this.#ringA = ringA;
    this.#ringB = ringB;
    this.#ringHead = 0;
    this.#ringSize = size + count;
    this.#ringLastMs = Math.max(this.#ringLastMs, times[count - 1]!);
  }

  /** Time of the earliest event, or `undefined` when empty. */
  peekTime(): number | undefined {
    if (this.#ringSize === 0) return this.#heapSize === 0 ? undefined : this.#heapTimes[0];
    if (this.#heapSize === 0) return this.#ringTimes[this.#ringHead];
    return Math.min(this.#heapTimes[0]!, this.#ringTimes[this.#ringHead]!);
  }

  /** Removes the earliest event and runs it; returns false when the queue was empty. */
  runNext(): boolean {
    if (this.#ringSize > 0 && (this.#heapSize === 0 || this.#ringFirst())) {
      const slot = this.#ringHead;
      const call = this.#ringCalls[slot]!;
      const a = this.#ringA[slot];
      const b = this.#ringB[slot];
      this.#ringCalls[slot] = undefined;
      this.#ringA[slot] = undefined;
      this.#ringB[slot] = undefined;
      this.#ringHead = (slot + 1) & (this.#ringTimes.length - 1);
      this.#ringSize--;
      call(a, b);
      return true;
    }
    if (this.#heapSize === 0) return false;
    const call = this.#heapCalls[0]!;
    const a = this.#heapA[0];
    const b = this.#heapB[0];
    this.#heapPopTop();
    call(a, b);
    return true;
  }

  /** True when the ring's head comes before the heap's top (both non-empty). */
  #ringFirst(): boolean {
    const ringMs = this.#ringTimes[this.#ringHead]!;
    const heapMs = this.#heapTimes[0]!;
    return ringMs < heapMs || (ringMs === heapMs && this.#ringSeqs[this.#ringHead]! < this.#heapSeqs[0]!);
  }

  #heapPush(atMs: number, call: EventCall<unknown, unknown>, a: unknown, b: unknown): void {
    if (this.#heapSize === this.#heapTimes.length) this.#growHeap();
    const seq = this.#nextSeq++;
    const times = this.#heapTimes;
    const seqs = this.#heapSeqs;
    // Sift up with a hole: move parents down until the new event's place is found.
    let index = this.#heapSize++;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const parentMs = times[parent]!;
      if (parentMs < atMs || (parentMs === atMs && seqs[parent]! < seq)) break;
      this.#heapMove(parent, index);
      index = parent;
    }
    times[index] = atMs;
    seqs[index] = seq;
    this.#heapCalls[index] = call;
    this.#heapA[index] = a;
    this.#heapB[index] = b;
  }

  #heapPopTop(): void {
    const last = --this.#heapSize;
    const times = this.#heapTimes;
    const seqs = this.#heapSeqs;
    const atMs = times[last]!;
    const seq = seqs[last]!;
    const call = this.#heapCalls[last];
    const a = this.#heapA[last];
    const b = this.#heapB[last];
    this.#heapCalls[last] = undefined;
    this.#heapA[last] = undefined;
    this.#heapB[last] = undefined;
    if (last === 0) return;
    // Sift the last event down from the root with a hole.
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= last) break;
      const right = left + 1;
      let child = left;
      if (right < last) {
        const leftMs = times[left]!;
        const rightMs = times[right]!;
        if (rightMs < leftMs || (rightMs === leftMs && seqs[right]! < seqs[left]!)) child = right;
      }
      const childMs = times[child]!;
      if (atMs < childMs || (atMs === childMs && seq < seqs[child]!)) break;
      this.#heapMove(child, index);
      index = child;
    }
    times[index] = atMs;
    seqs[index] = seq;
    this.#heapCalls[index] = call;
    this.#heapA[index] = a;
    this.#heapB[index] = b;
  }

  #heapMove(from: number, to: number): void {
    this.#heapTimes[to] = this.#heapTimes[from]!;
    this.#heapSeqs[to] = this.#heapSeqs[from]!;
    this.#heapCalls[to] = this.#heapCalls[from];
    this.#heapA[to] = this.#heapA[from];
    this.#heapB[to] = this.#heapB[from];
  }

  #growHeap(): void {
    const capacity = 2 * this.#heapTimes.length;
    this.#heapTimes = grown(this.#heapTimes, capacity);
    this.#heapSeqs = grown(this.#heapSeqs, capacity);
    this.#heapCalls.length = capacity;
    this.#heapA.length = capacity;
    this.#heapB.length = capacity;
  }

  /** Doubles the ring, unwrapping it so its events start at slot 0. */
  #growRing(): void {
    const size = this.#ringSize;
    const capacity = 2 * size;
    const order = (i: number): number => (this.#ringHead + i) & (size - 1);
    const times = new Float64Array(capacity);
    const seqs = new Float64Array(capacity);
    const calls: Array<EventCall<unknown, unknown> | undefined> = new Array(capacity);
    const as: unknown[] = new Array(capacity);
    const bs: unknown[] = new Array(capacity);
    for (let i = 0; i < size; i++) {
      const slot = order(i);
      times[i] = this.#ringTimes[slot]!;
      seqs[i] = this.#ringSeqs[slot]!;
      calls[i] = this.#ringCalls[slot];
      as[i] = this.#ringA[slot];
      bs[i] = this.#ringB[slot];
    }
    this.#ringTimes = times;
    this.#ringSeqs = seqs;
    this.#ringCalls = calls;
    this.#ringA = as;
    this.#ringB = bs;
    this.#ringHead = 0;
  }
}

function callOnly(callback: unknown): void {
  (callback as () => void)();
}

function grown(array: Float64Array, capacity: number): Float64Array<ArrayBuffer> {
  const copy = new Float64Array(capacity);
  copy.set(array);
  return copy;
}
