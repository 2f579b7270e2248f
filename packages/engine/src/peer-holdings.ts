import { Bitfield } from '@swarmlab/protocol';

/** Bits in one word of the matrix. */
const WORD_BITS = 32;

/**
 * Which chunks each connected peer holds, as one chunk-major bit matrix: the bits of every peer for
 * one chunk sit side by side. Announcing a verified chunk to every neighbour reads a word or two, and a
 * peer's bit is one typed-array read from the engine, not a walk through per-peer objects (in a
 * simulated swarm of a thousand engines, those walks are cache misses and most of the cost). Each peer
 * gets a column (a bit position in each chunk's words); columns of peers that left are reused.
 */
export class PeerHoldings {
  readonly chunkCount: number;
  /** Words per chunk: columns fit in `32 · #wordsPerChunk`. */
  #wordsPerChunk = 1;
  #bits: Uint32Array;
  #counts = new Uint32Array(WORD_BITS);
  readonly #freeColumns: number[] = [];
  #columnCount = 0;

  constructor(chunkCount: number) {
    this.chunkCount = chunkCount;
    this.#bits = new Uint32Array(chunkCount);
  }

  /** A column for a new peer, holding nothing. */
  addPeer(): number {
    const reused = this.#freeColumns.pop();
    if (reused !== undefined) return reused;
    if (this.#columnCount === WORD_BITS * this.#wordsPerChunk) this.#grow();
    return this.#columnCount++;
  }

  /** Forgets a peer's chunks and frees its column. */
  removePeer(column: number): void {
    const word = column >> 5;
    const keep = ~(1 << (column & 31));
    for (let chunk = 0; chunk < this.chunkCount; chunk++) this.#bits[chunk * this.#wordsPerChunk + word]! &= keep;
    this.#counts[column] = 0;
    this.#freeColumns.push(column);
  }

  has(column: number, chunkIndex: number): boolean {
    return ((this.#bits[chunkIndex * this.#wordsPerChunk + (column >> 5)]! >>> (column & 31)) & 1) === 1;
  }

  /** Marks the chunk held; false if it already was. */
  set(column: number, chunkIndex: number): boolean {
    const at = chunkIndex * this.#wordsPerChunk + (column >> 5);
    const mask = 1 << (column & 31);
    const word = this.#bits[at]!;
    if ((word & mask) !== 0) return false;
    this.#bits[at] = word | mask;
    this.#counts[column]!++;
    return true;
  }

  /** Marks the chunk not held; false if it was not. */
  unset(column: number, chunkIndex: number): boolean {
    const at = chunkIndex * this.#wordsPerChunk + (column >> 5);
    const mask = 1 << (column & 31);
    const word = this.#bits[at]!;
    if ((word & mask) === 0) return false;
    this.#bits[at] = word & ~mask;
    this.#counts[column]!--;
    return true;
  }

  /** Chunks the peer in `column` holds. */
  count(column: number): number {
    return this.#counts[column]!;
  }

  /** The peer's chunks as a bitfield (for snapshots). */
  toBitfield(column: number): Bitfield {
    const bits = new Bitfield(this.chunkCount);
    for (let chunk = 0; chunk < this.chunkCount; chunk++) if (this.has(column, chunk)) bits.set(chunk);
    return bits;
  }

  /** Doubles the words per chunk, so twice as many columns fit. */
  #grow(): void {
    const from = this.#wordsPerChunk;
    const to = 2 * from;
    const bits = new Uint32Array(this.chunkCount * to);
    for (let chunk = 0; chunk < this.chunkCount; chunk++)
      for (let word = 0; word < from; word++) bits[chunk * to + word] = this.#bits[chunk * from + word]!;
    this.#bits = bits;
    this.#wordsPerChunk = to;
    const counts = new Uint32Array(WORD_BITS * to);
    counts.set(this.#counts);
    this.#counts = counts;
  }
}
