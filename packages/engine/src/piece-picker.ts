import { randomInt, type Random } from './random';

/**
 * Chooses which chunk to start next: random for the first few, then rarest-first among the chunks a
 * given peer can supply, ties broken at random. Tracks how many connected peers hold each chunk.
 *
 * Chunks we lack are kept in one array ordered by availability, in buckets (libtorrent's layout):
 * `#order = [avail 0 | avail 1 | avail 2 | … | held]`. A change of availability swaps a chunk to the edge
 * of its bucket and moves the boundary (O(1)); a pick walks the buckets from the rarest and stops at the
 * first that holds a candidate, instead of scanning every missing chunk.
 */
export class PiecePicker {
  readonly #availability: Uint32Array;
  readonly #random: Random;
  readonly #randomFirstChunks: number;
  readonly #order: Int32Array;
  /** Index of each chunk in `#order`. */
  readonly #position: Int32Array;
  /** `#bucketStart[a]`: first index of availability `a` in `#order`; the last entry is where held chunks start. */
  readonly #bucketStart: number[];

  constructor(chunkCount: number, random: Random, randomFirstChunks: number) {
    this.#availability = new Uint32Array(chunkCount);
    this.#random = random;
    this.#randomFirstChunks = randomFirstChunks;
    this.#order = Int32Array.from({ length: chunkCount }, (_, i) => i);
    this.#position = Int32Array.from({ length: chunkCount }, (_, i) => i);
    this.#bucketStart = [0, chunkCount];
  }

  /** Number of connected peers known to hold `chunkIndex`. */
  availability(chunkIndex: number): number {
    return this.#availability[chunkIndex] ?? 0;
  }

  peerGained(chunkIndex: number): void {
    const a = this.#availability[chunkIndex]!;
    this.#availability[chunkIndex] = a + 1;
    if (this.#isHeld(chunkIndex)) return;
    if (a + 2 >= this.#bucketStart.length) this.#bucketStart.push(this.#liveEnd); // open bucket a + 1
    // Last of bucket a becomes first of bucket a + 1.
    const end = --this.#bucketStart[a + 1]!;
    this.#swap(this.#position[chunkIndex]!, end);
  }

  peerLost(chunkIndex: number): void {
    const a = this.#availability[chunkIndex]!;
    if (a === 0) return;
    this.#availability[chunkIndex] = a - 1;
    if (this.#isHeld(chunkIndex)) return;
    // First of bucket a becomes last of bucket a − 1.
    const start = this.#bucketStart[a]!++;
    this.#swap(this.#position[chunkIndex]!, start);
  }

  /** We now hold `chunkIndex`: it is never picked again. */
  held(chunkIndex: number): void {
    if (this.#isHeld(chunkIndex)) return;
    // Walk it up through the buckets above its own, to the start of the held region.
    const last = this.#bucketStart.length - 1;
    for (let a = this.#availability[chunkIndex]!; a < last; a++) {
      const end = --this.#bucketStart[a + 1]!;
      this.#swap(this.#position[chunkIndex]!, end);
    }
  }

  /**
   * A chunk we lack for which `isCandidate` holds, or `undefined`. A candidate is one a given peer has,
   * so its availability is at least 1. `chunksHeld` is how many we have verified; below
   * `randomFirstChunks` the pick is uniform, afterwards rarest-first.
   */
  pick(isCandidate: (chunkIndex: number) => boolean, chunksHeld: number): number | undefined {
    if (chunksHeld < this.#randomFirstChunks) return this.#sample(isCandidate, 0, this.#liveEnd);
    for (let a = 1; a < this.#bucketStart.length - 1; a++) {
      const found = this.#sample(isCandidate, this.#bucketStart[a]!, this.#bucketStart[a + 1]!);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** A uniformly random candidate among `#order[from, to)` (reservoir sampling), or `undefined`. */
  #sample(isCandidate: (chunkIndex: number) => boolean, from: number, to: number): number | undefined {
    let found: number | undefined;
    let seen = 0;
    for (let i = from; i < to; i++) {
      const chunkIndex = this.#order[i]!;
      if (isCandidate(chunkIndex) && randomInt(this.#random, ++seen) === 0) found = chunkIndex;
    }
    return found;
  }

  get #liveEnd(): number {
    return this.#bucketStart[this.#bucketStart.length - 1]!;
  }

  #isHeld(chunkIndex: number): boolean {
    return this.#position[chunkIndex]! >= this.#liveEnd;
  }

  #swap(i: number, j: number): void {
    const a = this.#order[i]!;
    const b = this.#order[j]!;
    this.#order[i] = b;
    this.#order[j] = a;
    this.#position[a] = j;
    this.#position[b] = i;
  }
}
