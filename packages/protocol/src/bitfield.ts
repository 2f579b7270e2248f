/**
 * Which chunks a peer holds: one bit per chunk, most significant bit first (BitTorrent's layout).
 * Spare bits in the last byte are always zero.
 */
export class Bitfield {
  readonly chunkCount: number;
  readonly #bytes: Uint8Array;
  #count = 0;

  constructor(chunkCount: number) {
    this.chunkCount = chunkCount;
    this.#bytes = new Uint8Array(Math.ceil(chunkCount / 8));
  }

  /** Parses wire bytes; `undefined` when the length is wrong or a spare bit is set. */
  static fromBytes(bytes: Uint8Array, chunkCount: number): Bitfield | undefined {
    if (bytes.length !== Math.ceil(chunkCount / 8)) return undefined;
    const spareBits = bytes.length * 8 - chunkCount;
    if (spareBits > 0 && (bytes[bytes.length - 1]! & ((1 << spareBits) - 1)) !== 0) return undefined;
    const bitfield = new Bitfield(chunkCount);
    for (let i = 0; i < chunkCount; i++) if ((bytes[i >> 3]! >> (7 - (i & 7))) & 1) bitfield.set(i);
    return bitfield;
  }

  static full(chunkCount: number): Bitfield {
    const bitfield = new Bitfield(chunkCount);
    for (let i = 0; i < chunkCount; i++) bitfield.set(i);
    return bitfield;
  }

  /** Number of chunks held. */
  get count(): number {
    return this.#count;
  }

  get isComplete(): boolean {
    return this.#count === this.chunkCount;
  }

  /** Whether chunk `chunkIndex` is held: never for an index that is not one of the file's (NaN, 1.5, -1). */
  has(chunkIndex: number): boolean {
    if (!this.#isChunk(chunkIndex)) return false;
    return ((this.#bytes[chunkIndex >> 3]! >> (7 - (chunkIndex & 7))) & 1) === 1;
  }

  /**
   * Marks a chunk held; returns false when it already was, or `chunkIndex` is not one of the file's chunks
   * (NaN and 1.5 marked chunks 0 and 1: the bit arithmetic truncates them).
   */
  set(chunkIndex: number): boolean {
    if (!this.#isChunk(chunkIndex) || this.has(chunkIndex)) return false;
    this.#bytes[chunkIndex >> 3]! |= 1 << (7 - (chunkIndex & 7));
    this.#count++;
    return true;
  }

  /** Marks a chunk not held; returns false when it already was not. */
  unset(chunkIndex: number): boolean {
    if (!this.has(chunkIndex)) return false;
    this.#bytes[chunkIndex >> 3]! &= ~(1 << (7 - (chunkIndex & 7)));
    this.#count--;
    return true;
  }

  #isChunk(chunkIndex: number): boolean {
    return Number.isInteger(chunkIndex) && chunkIndex >= 0 && chunkIndex < this.chunkCount;
  }

  /** A copy of the wire bytes. */
  toBytes(): Uint8Array {
    return this.#bytes.slice();
  }
}
