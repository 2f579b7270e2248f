const enum BlockState {
  Missing = 0,
  Requested = 1,
  Received = 2,
}

/** One block of a chunk: its index inside the chunk and its byte range. */
export interface ChunkBlock {
  readonly blockIndex: number;
  readonly offsetBytes: number;
  readonly lengthBytes: number;
}

/**
 * A chunk being downloaded: its buffer, which blocks are missing, requested (from whom) or received. The buffer is
 * made (or borrowed) as its first block arrives: a chunk begun and refused makes none (a peer that refuses every
 * request would otherwise have chunk-sized buffers made and thrown away at its pace).
 */
export class ChunkAssembly {
  readonly chunkIndex: number;
  readonly blockBytes: number;
  /**
   * The one peer this copy may come from, set for a chunk a copy of which failed with blocks from several peers
   * (the smart ban kept it): its next copy from one peer alone either convicts that peer or, verified, shows which
   * block of the failed copy was bad. Undefined: any peer.
   */
  readonly soleSource: string | undefined;
  /** When a block of it was last asked for or received (the `Downloader`'s clock); undefined until first asked. */
  progressAtMs: number | undefined;
  readonly #lengthBytes: number;
  readonly #memory: (() => ArrayBuffer | undefined) | undefined;
  #buffer: Uint8Array | undefined;
  readonly #states: Uint8Array;
  readonly #requestedBy: Set<string>[];
  /** Who sent each received block: the suspects if the chunk fails its hash. */
  readonly senders: (string | undefined)[];
  #receivedBlocks = 0;
  #missingBlocks: number;
  verifying = false;

  /**
   * `memory`: where to assemble it (its first `lengthBytes`, overwritten block by block), asked for as the first
   * block arrives; fresh memory when absent or when it lends none.
   */
  constructor(
    chunkIndex: number,
    lengthBytes: number,
    blockBytes: number,
    memory?: ArrayBuffer | (() => ArrayBuffer | undefined),
    soleSource?: string,
  ) {
    this.chunkIndex = chunkIndex;
    this.#lengthBytes = lengthBytes;
    this.#memory = memory instanceof ArrayBuffer ? () => memory : memory;
    this.blockBytes = blockBytes;
    this.soleSource = soleSource;
    const blockCount = Math.ceil(lengthBytes / blockBytes);
    this.#states = new Uint8Array(blockCount);
    this.#requestedBy = Array.from({ length: blockCount }, () => new Set<string>());
    this.senders = new Array<string | undefined>(blockCount);
    this.#missingBlocks = blockCount;
  }

  /** The chunk's bytes as assembled so far. */
  get buffer(): Uint8Array {
    if (!this.#buffer) {
      const memory = this.#memory?.();
      this.#buffer = memory ? new Uint8Array(memory, 0, this.#lengthBytes) : new Uint8Array(this.#lengthBytes);
    }
    return this.#buffer;
  }

  /** Blocks received so far. */
  get receivedBlocks(): number {
    return this.#receivedBlocks;
  }

  get blockCount(): number {
    return this.#states.length;
  }

  get isComplete(): boolean {
    return this.#receivedBlocks === this.#states.length;
  }

  /** True while some block is asked of a peer and not received yet. */
  get hasRequests(): boolean {
    return this.#states.length - this.#receivedBlocks - this.#missingBlocks > 0;
  }

  /** True while some block has not been asked of anyone. */
  get hasMissing(): boolean {
    return this.#missingBlocks > 0;
  }

  block(blockIndex: number): ChunkBlock {
    const offsetBytes = blockIndex * this.blockBytes;
    return { blockIndex, offsetBytes, lengthBytes: Math.min(this.blockBytes, this.#lengthBytes - offsetBytes) };
  }

  /** A block nobody has been asked for yet. */
  nextMissing(): ChunkBlock | undefined {
    if (this.#missingBlocks === 0) return undefined;
    const blockIndex = this.#states.indexOf(BlockState.Missing);
    return blockIndex < 0 ? undefined : this.block(blockIndex);
  }

  /**
   * Endgame: a block still in flight that `peerId` was not asked for, with fewer than `maxRequests` askers, not
   * counting those `peerId` would overtake by far (`passedOver`: a slow peer trickling a block must not hold it).
   */
  nextDuplicate(
    peerId: string,
    maxRequests: number,
    passedOver?: (askerId: string, blockIndex: number) => boolean,
  ): ChunkBlock | undefined {
    for (let blockIndex = 0; blockIndex < this.#states.length; blockIndex++) {
      if (this.#states[blockIndex] !== BlockState.Requested) continue;
      const askers = this.#requestedBy[blockIndex]!;
      if (askers.has(peerId)) continue;
      let counted = askers.size;
      if (counted >= maxRequests && passedOver)
        for (const askerId of askers) if (passedOver(askerId, blockIndex)) counted--;
      if (counted < maxRequests) return this.block(blockIndex);
    }
    return undefined;
  }

  markRequested(blockIndex: number, peerId: string): void {
    if (this.#states[blockIndex] === BlockState.Missing) this.#missingBlocks--;
    this.#states[blockIndex] = BlockState.Requested;
    this.#requestedBy[blockIndex]!.add(peerId);
  }

  /** Forgets `peerId`'s request; the block is missing again if nobody else was asked. */
  release(blockIndex: number, peerId: string): void {
    const askers = this.#requestedBy[blockIndex]!;
    askers.delete(peerId);
    if (askers.size === 0 && this.#states[blockIndex] === BlockState.Requested) {
      this.#states[blockIndex] = BlockState.Missing;
      this.#missingBlocks++;
    }
  }

  isReceived(blockIndex: number): boolean {
    return this.#states[blockIndex] === BlockState.Received;
  }

  /** Stores a block; returns the other peers still asked for it (to be cancelled). */
  receive(blockIndex: number, bytes: Uint8Array, fromPeerId: string): string[] {
    this.buffer.set(bytes, blockIndex * this.blockBytes);
    // A block nobody waits for any more (its request given up) that came all the same.
    if (this.#states[blockIndex] === BlockState.Missing) this.#missingBlocks--;
    this.#states[blockIndex] = BlockState.Received;
    this.#receivedBlocks++;
    this.senders[blockIndex] = fromPeerId;
    const askers = this.#requestedBy[blockIndex]!;
    askers.delete(fromPeerId);
    const others = [...askers];
    askers.clear();
    return others;
  }
}
