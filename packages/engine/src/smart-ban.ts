import type { ChunkAssembly } from './chunk-assembly';

/** Bad blocks proven against each sender: what the engine charges them. */
export type BadBlocks = ReadonlyMap<string, number>;

/** Peers whose parole and bad blocks are remembered (a swarm's members are, and a peer id is one member's). */
export const MAX_JUDGED_PEERS = 1024;

/**
 * BitTorrent's "smart ban": finds who sent bad data when a chunk fails its hash. A chunk that one peer
 * sent whole convicts that peer at once. A chunk with blocks from several peers is kept until a copy
 * passes; the blocks that differ then convict their senders, and honest peers that happened to share
 * the chunk are never blamed.
 *
 * As libtorrent does, the senders of a copy that failed are put **on parole**: a paroled peer is asked only for
 * chunks it sends whole, alone (`ChunkAssembly.soleSource`), until one of them passes. A peer putting one bad block
 * into every copy it took part in spoiled every chunk of the file before its first conviction, when only the failed
 * chunk was sent alone (found by review). The failed copies kept, `maxSuspectBytes` of them at most, are fetched
 * again first (`suspectChunks`), so the proof comes early; a copy past the bound is let go, its senders still
 * paroled. Bad blocks are counted by peer id, not by connection: a cheat that reconnected after each charge was
 * never dropped.
 */
export class SmartBan {
  readonly #maxSuspectBytes: number;
  readonly #suspects = new Map<number, { readonly bytes: Uint8Array; readonly senders: (string | undefined)[] }>();
  #suspectBytes = 0;
  readonly #paroled = new Set<string>();
  readonly #badBlocks = new Map<string, number>();

  constructor(maxSuspectBytes = Infinity) {
    this.#maxSuspectBytes = maxSuspectBytes;
  }

  /** Whether a failed copy of `chunkIndex` with blocks from several peers is kept, waiting for a good one. */
  isSuspect(chunkIndex: number): boolean {
    return this.#suspects.has(chunkIndex);
  }

  /** Whether a failed copy of some chunk is kept. */
  get hasSuspects(): boolean {
    return this.#suspects.size > 0;
  }

  /** The chunks whose failed copy is kept, the oldest first: fetched again before any other. */
  suspectChunks(): IterableIterator<number> {
    return this.#suspects.keys();
  }

  /** Whether `peerId` sent part of a copy that failed, and has not sent a whole chunk that passed since. */
  isParoled(peerId: string): boolean {
    return this.#paroled.has(peerId);
  }

  /** Bad blocks proven against `peerId` so far, over all its connections. */
  badBlocksOf(peerId: string): number {
    return this.#badBlocks.get(peerId) ?? 0;
  }

  /** A chunk failed its hash: the blocks to charge now (one sender), or none while the copy is kept. */
  failed(assembly: ChunkAssembly): BadBlocks {
    const senders = new Set(assembly.senders.filter((s): s is string => s !== undefined));
    if (senders.size === 1) return this.#charged(new Map([[[...senders][0]!, assembly.blockCount]]));
    for (const sender of senders) remember(this.#paroled, sender);
    const bytes = assembly.buffer;
    const fits = this.#suspectBytes + bytes.byteLength <= this.#maxSuspectBytes;
    if (!this.#suspects.has(assembly.chunkIndex) && fits) {
      this.#suspects.set(assembly.chunkIndex, { bytes, senders: assembly.senders });
      this.#suspectBytes += bytes.byteLength;
    }
    return new Map();
  }

  /** A chunk passed its hash: the blocks of a kept failed copy that differ from it, by sender. */
  verified(good: ChunkAssembly): BadBlocks {
    const senders = new Set(good.senders);
    // A whole chunk from one paroled peer that passes: it sends good data (it shared a copy with a cheat).
    if (senders.size === 1) {
      const [sender] = senders;
      if (sender !== undefined) this.#paroled.delete(sender);
    }
    const suspect = this.#suspects.get(good.chunkIndex);
    const badBlocks = new Map<string, number>();
    if (!suspect) return badBlocks;
    this.#suspects.delete(good.chunkIndex);
    this.#suspectBytes -= suspect.bytes.byteLength;
    for (let blockIndex = 0; blockIndex < good.blockCount; blockIndex++) {
      const sender = suspect.senders[blockIndex];
      if (sender === undefined) continue;
      const { offsetBytes, lengthBytes } = good.block(blockIndex);
      const failedCopy = suspect.bytes.subarray(offsetBytes, offsetBytes + lengthBytes);
      const goodCopy = good.buffer.subarray(offsetBytes, offsetBytes + lengthBytes);
      if (failedCopy.some((byte, i) => byte !== goodCopy[i])) badBlocks.set(sender, (badBlocks.get(sender) ?? 0) + 1);
    }
    return this.#charged(badBlocks);
  }

  /** Adds `badBlocks` to each sender's count, and gives the counts as they now stand. */
  #charged(badBlocks: BadBlocks): BadBlocks {
    const totals = new Map<string, number>();
    for (const [peerId, blocks] of badBlocks) {
      const total = this.badBlocksOf(peerId) + blocks;
      this.#badBlocks.delete(peerId);
      remember(this.#badBlocks, peerId, total);
      totals.set(peerId, total);
    }
    return totals;
  }
}

/** Adds `key` (with `value` for a map) as the newest, forgetting the oldest past `MAX_JUDGED_PEERS`. */
function remember(set: Set<string>, key: string): void;
function remember(map: Map<string, number>, key: string, value: number): void;
function remember(store: Set<string> | Map<string, number>, key: string, value?: number): void {
  if (store instanceof Set) {
    store.delete(key);
    store.add(key);
  } else store.set(key, value!);
  if (store.size > MAX_JUDGED_PEERS) store.delete(store.keys().next().value!);
}
