import { randomInt, type Random } from './random';

/**
 * Chooses which chunk to start next: random for the first few, then rarest-first among the chunks a
 * given peer can supply, ties broken at random. Tracks how many connected peers hold each chunk, and
 * which chunks we still lack, so a pick scans only those.
 */
export class PiecePicker {
  readonly #availability: Uint32Array;
  readonly #random: Random;
  readonly #randomFirstChunks: number;
  /** Chunks we lack, unordered; `#position[i]` is i's index in it, or -1 once held. */
  readonly #missing: Int32Array;
  readonly #position: Int32Array;
  #missingCount: number;

  constructor(chunkCount: number, random: Random, randomFirstChunks: number) {
    this.#availability = new Uint32Array(chunkCount);
    this.#random = random;
    this.#randomFirstChunks = randomFirstChunks;
    this.#missing = Int32Array.from({ length: chunkCount }, (_, i) => i);
    this.#position = Int32Array.from({ length: chunkCount }, (_, i) => i);
    this.#missingCount = chunkCount;
  }

  /** Number of connected peers known to hold `chunkIndex`. */
  availability(chunkIndex: number): number {
    return this.#availability[chunkIndex] ?? 0;
  }

  peerGained(chunkIndex: number): void {
    this.#availability[chunkIndex]!++;
  }

  peerLost(chunkIndex: number): void {
    if (this.#availability[chunkIndex]! > 0) this.#availability[chunkIndex]!--;
  }

  /** We now hold `chunkIndex`: it is never picked again. */
  held(chunkIndex: number): void {
    const position = this.#position[chunkIndex]!;
    if (position < 0) return;
    const last = this.#missing[--this.#missingCount]!;
    this.#missing[position] = last;
    this.#position[last] = position;
    this.#position[chunkIndex] = -1;
  }

  /**
   * A chunk we lack for which `isCandidate` holds, or `undefined`. `chunksHeld` is how many we have
   * verified; below `randomFirstChunks` the pick is uniform, afterwards rarest-first.
   */
  pick(isCandidate: (chunkIndex: number) => boolean, chunksHeld: number): number | undefined {
    const rarestFirst = chunksHeld >= this.#randomFirstChunks;
    let best: number | undefined;
    let bestAvailability = Infinity;
    let ties = 0;
    for (let position = 0; position < this.#missingCount; position++) {
      const index = this.#missing[position]!;
      const availability = rarestFirst ? this.#availability[index]! : 0;
      if (availability > bestAvailability || !isCandidate(index)) continue;
      if (availability < bestAvailability) {
        best = index;
        bestAvailability = availability;
        ties = 1;
      } else if (randomInt(this.#random, ++ties) === 0) {
        best = index; // reservoir sampling: each tied chunk is kept with equal probability
      }
    }
    return best;
  }
}
