import type { ChunkAssembly } from './chunk-assembly';

/** Bad blocks proven against each sender: what the engine charges them. */
export type BadBlocks = ReadonlyMap<string, number>;

/**
 * BitTorrent's "smart ban": finds who sent bad data when a chunk fails its hash. A chunk that one peer
 * sent whole convicts that peer at once. A chunk with blocks from several peers is kept until a copy
 * passes; the blocks that differ then convict their senders, and honest peers that happened to share
 * the chunk are never blamed.
 */
export class SmartBan {
  readonly #suspects = new Map<number, { readonly bytes: Uint8Array; readonly senders: (string | undefined)[] }>();

  /** Whether a failed copy of `chunkIndex` with blocks from several peers is kept, waiting for a good one. */
  isSuspect(chunkIndex: number): boolean {
    return this.#suspects.has(chunkIndex);
  }

  /** A chunk failed its hash: the blocks to charge now (one sender), or none while the copy is kept. */
  failed(assembly: ChunkAssembly): BadBlocks {
    const senders = new Set(assembly.senders.filter((s): s is string => s !== undefined));
    if (senders.size === 1) return new Map([[[...senders][0]!, assembly.blockCount]]);
    if (!this.#suspects.has(assembly.chunkIndex))
      this.#suspects.set(assembly.chunkIndex, { bytes: assembly.buffer, senders: assembly.senders });
    return new Map();
  }

  /** A chunk passed its hash: the blocks of a kept failed copy that differ from it, by sender. */
  verified(good: ChunkAssembly): BadBlocks {
    const suspect = this.#suspects.get(good.chunkIndex);
    const badBlocks = new Map<string, number>();
    if (!suspect) return badBlocks;
    this.#suspects.delete(good.chunkIndex);
    for (let blockIndex = 0; blockIndex < good.blockCount; blockIndex++) {
      const sender = suspect.senders[blockIndex];
      if (sender === undefined) continue;
      const { offsetBytes, lengthBytes } = good.block(blockIndex);
      const failedCopy = suspect.bytes.subarray(offsetBytes, offsetBytes + lengthBytes);
      const goodCopy = good.buffer.subarray(offsetBytes, offsetBytes + lengthBytes);
      if (failedCopy.some((byte, i) => byte !== goodCopy[i])) badBlocks.set(sender, (badBlocks.get(sender) ?? 0) + 1);
    }
    return badBlocks;
  }
}
