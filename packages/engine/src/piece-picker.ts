import { randomInt, type Random } from './random';

/**
 * Chooses which chunk to start next: random for the first few, then rarest-first among the chunks a
 * given peer can supply, ties broken at random. Tracks how many known peers hold each chunk.
 */
export class PiecePicker {
  readonly #availability: Uint32Array;
  readonly #random: Random;
  readonly #randomFirstChunks: number;

  constructor(chunkCount: number, random: Random, randomFirstChunks: number) {
    this.#availability = new Uint32Array(chunkCount);
    this.#random = random;
    this.#randomFirstChunks = randomFirstChunks;
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

  /**
   * A chunk for which `isCandidate` holds, or `undefined`. `chunksHeld` is how many we have verified;
   * below `randomFirstChunks` the pick is uniform, afterwards rarest-first.
   */
  pick(isCandidate: (chunkIndex: number) => boolean, chunksHeld: number): number | undefined {
    const rarestFirst = chunksHeld >= this.#randomFirstChunks;
    let best: number | undefined;
    let bestAvailability = Infinity;
    let ties = 0;
    for (let index = 0; index < this.#availability.length; index++) {
      if (!isCandidate(index)) continue;
      const availability = rarestFirst ? this.#availability[index]! : 0;
      if (availability < bestAvailability) {
        best = index;
        bestAvailability = availability;
        ties = 1;
      } else if (availability === bestAvailability && randomInt(this.#random, ++ties) === 0) {
        best = index; // reservoir sampling: each tied chunk is kept with equal probability
      }
    }
    return best;
  }
}
