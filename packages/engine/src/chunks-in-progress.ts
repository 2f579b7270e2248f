import { chunkLengthBytes, type Manifest } from '@swarmlab/protocol';
import { ChunkAssembly, type ChunkBlock } from './chunk-assembly';
import type { ChunkAvailability, HoldingsView } from './chunk-availability';
import type { EngineConfig } from './engine-config';
import type { HeldChunks } from './stored-chunks';

/** What `ChunksInProgress` works with, passed by the `Downloader`. */
export interface ChunksInProgressComponents {
  readonly manifest: Manifest;
  readonly config: Pick<
    EngineConfig,
    'blockBytes' | 'endgameMaxRequestsPerBlock' | 'maxStoringBytes' | 'maxIdleChunks'
  >;
  readonly have: HeldChunks;
  readonly holdings: HoldingsView;
  /** Picks our next chunk. */
  readonly availability: ChunkAvailability;
  /** Memory the store lends for a chunk's assembly (`StoredChunks.memoryFor`); absent: fresh memory. */
  readonly memoryFor?: (lengthBytes: number) => ArrayBuffer | undefined;
  /**
   * Whether a failed copy of the chunk, with blocks from several peers, waits for a good one to be compared with
   * (`SmartBan.isSuspect`): its next copy comes from one peer alone (`ChunkAssembly.soleSource`).
   */
  readonly isSuspect?: (chunkIndex: number) => boolean;
  /**
   * Whether peer `peerId` is on parole (`SmartBan.isParoled`): it sent part of a copy that failed, so it is asked only
   * for chunks it sends alone, never for blocks of a copy shared with others, nor for endgame duplicates.
   */
  readonly isParoled?: (peerId: string) => boolean;
  /** The suspect chunks, oldest first (`SmartBan.suspectChunks`): begun before any other, for an early proof. */
  readonly suspectChunks?: () => Iterable<number>;
  /** Whether there are any (`SmartBan.hasSuspects`). */
  readonly hasSuspects?: () => boolean;
  /**
   * Whether a copy that must come from its `soleSource` waited on it long enough, as peer `askerId` (a holder that
   * may take it over) sees it: the source is gone or no longer holds the chunk, sent nothing of it for a request
   * time-out (it chokes us, refuses, or keeps the request unanswered), or sent nothing of it for far longer than
   * `askerId` would take to bring a block (`overtakes`).
   */
  readonly soleSourceStalled?: (assembly: ChunkAssembly, askerId: string) => boolean;
  /**
   * The copy `assembly` of a stalled sole source is given up for a new one from another peer: the source's requests
   * for the chunk are to be cancelled (they went on, its upload spent on blocks thrown away, found by review).
   */
  readonly onSoleSourcePassedOver?: (assembly: ChunkAssembly) => void;
  /**
   * Endgame, for peer `requesterId`: whether it would deliver block `blockIndex` of `chunkIndex` far sooner than
   * `askerId`, which was asked for it (`overtakes`): that request then does not count against
   * `endgameMaxRequestsPerBlock`. Made once per look for a block, so the requester's own estimate is made once.
   */
  readonly overtakerFor?: (requesterId: string) => (askerId: string, chunkIndex: number, blockIndex: number) => boolean;
}

/** Where a chunk we lack stands. */
const enum ChunkPhase {
  /** Not asked of anyone (perhaps held). */
  Idle = 0,
  /** Its blocks are being fetched, or it is being verified: it has an assembly. */
  Downloading = 1,
  /** Verified, waiting for a store that answers later to keep it. */
  Storing = 2,
}

/**
 * The chunks the `Downloader` is fetching: each one's `ChunkAssembly`, and what block to ask a peer for
 * next (partial chunks first, then a new chunk from the piece picker, then endgame duplicates). No new
 * chunk starts while verified chunks waiting for the store hold `maxStoringBytes` or more (chunks under
 * way still finish, so the bound is soft by up to what every peer's pipeline holds). A
 * chunk's phase is one byte, so a `have`'s check is one typed-array read, not a map look-up.
 */
export class ChunksInProgress {
  readonly #c: ChunksInProgressComponents;
  readonly #assemblies = new Map<number, ChunkAssembly>();
  readonly #phase: Uint8Array;
  #storingCount = 0;
  #storingBytes = 0;
  /** A new chunk was not started: verified chunks waited for the store (`maxStoringBytes`), or begun ones for a peer (`maxIdleChunks`). */
  #heldBack = false;

  constructor(components: ChunksInProgressComponents) {
    this.#c = components;
    this.#phase = new Uint8Array(components.have.chunkCount);
  }

  /** Every chunk we lack is begun (or verified and being stored): blocks asked of others may be asked again. */
  get inEndgame(): boolean {
    const { have } = this.#c;
    return have.count + this.#storingCount + this.#assemblies.size === have.chunkCount;
  }

  /**
   * Whether a peer announcing the chunk could be asked for it now: nobody is asked for it yet, or it was begun
   * and some of its blocks are asked of nobody (their source choked us, left or refused them).
   */
  isAskable(chunkIndex: number): boolean {
    const phase = this.#phase[chunkIndex];
    if (phase === ChunkPhase.Idle) return true;
    if (phase !== ChunkPhase.Downloading) return false;
    const assembly = this.#assemblies.get(chunkIndex);
    return assembly !== undefined && !assembly.verifying && assembly.hasMissing;
  }

  assembly(chunkIndex: number): ChunkAssembly | undefined {
    return this.#assemblies.get(chunkIndex);
  }

  /** `peerId` no longer has block `blockIndex` of `chunkIndex` to send us. */
  release(chunkIndex: number, blockIndex: number, peerId: string): void {
    this.#assemblies.get(chunkIndex)?.release(blockIndex, peerId);
  }

  /** The block to ask the peer in `column` for next, or `undefined` when it has nothing we may ask. */
  nextBlockFor(column: number, peerId: string): { assembly: ChunkAssembly; block: ChunkBlock } | undefined {
    const { availability, holdings, have, config } = this.#c;
    const phase = this.#phase;
    const paroled = this.#c.isParoled?.(peerId) === true;
    // A suspect chunk first, before the chunks begun: its good copy convicts the cheat that spoiled it, which waited
    // until every chunk begun had come (and its bad blocks in them had failed too). (Looked for only when there are
    // some: this runs for every block asked.)
    if (this.#c.hasSuspects?.() === true && !this.#storeIsBehind()) {
      const suspect = this.#suspectFor(column);
      if (suspect !== undefined) return this.#begin(suspect, peerId);
    }
    let idle = 0;
    for (const assembly of this.#assemblies.values()) {
      if (assembly.verifying) continue;
      if (!assembly.hasRequests) idle++;
      if (!assembly.hasMissing || !holdings.has(column, assembly.chunkIndex)) continue;
      // On parole: no block of a copy others send too (its one bad block in each spoiled them all); but a copy nobody is
      // asked for starts again from it alone: it may be the one holder left, and the download stalled for good, an
      // honest peer paroled for sharing a copy with a cheat never asked again (found by review).
      if (paroled && assembly.soleSource === undefined) {
        if (!assembly.hasRequests) return this.#begin(assembly.chunkIndex, peerId);
        continue;
      }
      if (assembly.soleSource !== undefined && assembly.soleSource !== peerId) {
        // Its one source stalled (it left, refused, kept it waiting, or sends it far slower than this peer would):
        // the copy starts again from this peer alone, what the other sent thrown away. A peer putting one bad block
        // into every copy, and refusing the rest, had every copy mixed and failing, and was never convicted; a source
        // keeping its request unanswered must not hold the chunk for ever either, nor one sending a block just inside
        // each time-out, choking us in between or not (150 s for a 256 KiB chunk), nor an honest one at 10 kB/s
        // while a holder at 1 MB/s waits (all found by review). Judged by the chunk's own blocks, not by what the
        // source is asked: a source choking us is asked nothing. Barring a source passed over from the chunk, to
        // stop a peer looking fast from taking it back, stranded the chunk for good once the one that took it left.
        if (this.#c.soleSourceStalled?.(assembly, peerId) !== true) continue;
        this.#c.onSoleSourcePassedOver?.(assembly);
        return this.#begin(assembly.chunkIndex, peerId);
      }
      const block = assembly.nextMissing();
      if (block) return { assembly, block };
    }
    if (idle >= config.maxIdleChunks) idle -= this.#forgetUnservable(idle - config.maxIdleChunks + 1);
    // Held back while chunks waiting for the store hold too much, or too many begun chunks wait for a peer
    // to ask: no new chunk, endgame duplicates still.
    const heldBack = this.#storeIsBehind() || idle >= config.maxIdleChunks;
    if (heldBack) this.#heldBack = true;
    const chunkIndex = heldBack
      ? undefined
      : availability.pick(
          (index) => holdings.has(column, index) && phase[index] === ChunkPhase.Idle && !have.has(index),
          have.count,
        );
    if (chunkIndex !== undefined) return this.#begin(chunkIndex, peerId);
    if (!this.inEndgame || paroled) return undefined;
    const overtaker = this.#c.overtakerFor?.(peerId);
    for (const assembly of this.#assemblies.values()) {
      if (assembly.verifying || !holdings.has(column, assembly.chunkIndex)) continue;
      // A copy that must come from one peer takes no duplicate from another.
      if (assembly.soleSource !== undefined) continue;
      const chunkIndex = assembly.chunkIndex;
      const block = assembly.nextDuplicate(
        peerId,
        config.endgameMaxRequestsPerBlock,
        overtaker && ((askerId, blockIndex) => overtaker(askerId, chunkIndex, blockIndex)),
      );
      if (block) return { assembly, block };
    }
    return undefined;
  }

  /** The oldest suspect chunk the peer in `column` may be asked for: its good copy convicts whoever spoiled it. */
  #suspectFor(column: number): number | undefined {
    const { holdings, have } = this.#c;
    for (const chunkIndex of this.#c.suspectChunks?.() ?? [])
      if (holdings.has(column, chunkIndex) && this.#phase[chunkIndex] === ChunkPhase.Idle && !have.has(chunkIndex))
        return chunkIndex;
    return undefined;
  }

  /** A new copy of `chunkIndex` (a fresh assembly), asked of `peerId` first (alone, for a suspect chunk or a paroled peer). */
  #begin(chunkIndex: number, peerId: string): { assembly: ChunkAssembly; block: ChunkBlock } {
    const { manifest, config, memoryFor, isSuspect, isParoled } = this.#c;
    const lengthBytes = chunkLengthBytes(manifest, chunkIndex);
    const memory = memoryFor && ((): ArrayBuffer | undefined => memoryFor(lengthBytes));
    const soleSource = isSuspect?.(chunkIndex) || isParoled?.(peerId) ? peerId : undefined;
    const assembly = new ChunkAssembly(chunkIndex, lengthBytes, config.blockBytes, memory, soleSource);
    this.#assemblies.set(chunkIndex, assembly);
    this.#phase[chunkIndex] = ChunkPhase.Downloading;
    return { assembly, block: assembly.nextMissing()! };
  }

  /**
   * Forgets up to `count` begun chunks that nobody is asked for and no connected peer holds, those with no block
   * received first, then those with fewest: they cannot be finished until a holder comes, and they held every new
   * chunk back (`maxIdleChunks`) for good once a peer that claimed the file and refused it had left (found by
   * review). Returns how many it forgot.
   */
  #forgetUnservable(count: number): number {
    const unservable = [...this.#assemblies.values()]
      .filter(
        (assembly) =>
          !assembly.verifying &&
          !assembly.hasRequests &&
          this.#c.availability.counts.availability(assembly.chunkIndex) === 0,
      )
      .sort((a, b) => a.receivedBlocks - b.receivedBlocks);
    const forgotten = unservable.slice(0, count);
    for (const assembly of forgotten) {
      this.#assemblies.delete(assembly.chunkIndex);
      this.#phase[assembly.chunkIndex] = ChunkPhase.Idle;
    }
    return forgotten.length;
  }

  /** The chunk's hash was checked, good or bad: its assembly is done with. */
  checked(chunkIndex: number): void {
    this.#assemblies.delete(chunkIndex);
    this.#phase[chunkIndex] = ChunkPhase.Idle;
  }

  /** A verified chunk waits for a store that answers later: nobody is asked for it meanwhile. */
  storing(chunkIndex: number): void {
    this.#phase[chunkIndex] = ChunkPhase.Storing;
    this.#storingCount++;
    this.#storingBytes += chunkLengthBytes(this.#c.manifest, chunkIndex);
  }

  /** The store answered, kept or failed. */
  stored(chunkIndex: number): void {
    this.#phase[chunkIndex] = ChunkPhase.Idle;
    this.#storingCount--;
    this.#storingBytes -= chunkLengthBytes(this.#c.manifest, chunkIndex);
  }

  /** Chunks begun that nobody is asked for now (`maxIdleChunks`). */
  #idleChunks(): number {
    let idle = 0;
    for (const assembly of this.#assemblies.values()) if (!assembly.verifying && !assembly.hasRequests) idle++;
    return idle;
  }

  /** Verified chunks waiting for the store hold `maxStoringBytes` or more (at least one waits). */
  #storeIsBehind(): boolean {
    return this.#storingBytes > 0 && this.#storingBytes >= this.#c.config.maxStoringBytes;
  }

  /**
   * True, once, if a new chunk was held back for the store since the last call and may start now: the
   * `Downloader` then asks every peer again.
   */
  takeReleased(): boolean {
    if (!this.#heldBack || this.#storeIsBehind() || this.#idleChunks() >= this.#c.config.maxIdleChunks) return false;
    this.#heldBack = false;
    return true;
  }
}
