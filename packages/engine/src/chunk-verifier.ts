import { toHex, type Manifest } from '@swarmlab/protocol';
import type { ChunkAssembly } from './chunk-assembly';
import type { ChunksInProgress } from './chunks-in-progress';
import type { EngineConfig } from './engine-config';
import type { ChunkHasher } from './engine-deps';
import type { DropReason, SwarmEngineEvents } from './engine-events';
import type { DownloaderPeer } from './peer-state';
import { SmartBan, type BadBlocks } from './smart-ban';
import type { HeldChunks, StoredChunks } from './stored-chunks';
import type { TypedEvents } from './typed-events';

/** What a `ChunkVerifier` works with, passed by its `Downloader`. */
export interface ChunkVerifierComponents {
  readonly manifest: Manifest;
  readonly config: Pick<EngineConfig, 'maxBadBlocksPerPeer'>;
  readonly sha256: ChunkHasher;
  readonly have: HeldChunks;
  /** Where verified chunks go. */
  readonly chunks: StoredChunks;
  readonly inProgress: ChunksInProgress;
  readonly sessions: ReadonlyMap<string, DownloaderPeer>;
  /** Where `chunk-rejected` goes. */
  readonly events: TypedEvents<SwarmEngineEvents>;
  readonly lifecycle: { readonly destroyed: boolean };
  /** Disconnects a misbehaving peer. */
  drop(session: DownloaderPeer, reason: DropReason, detail: string): void;
  /** A verified chunk is written and held. */
  onHeld(chunkIndex: number): void;
  /** A chunk failed its hash, or the store failed to keep it: its blocks are to be fetched again. */
  onDiscarded(): void;
  /** A sender of a copy that failed is on parole now (`SmartBan.failed`): asked only for copies it sends alone. */
  onParoled?(peerId: string): void;
  /** Who sent bad blocks (shared with `ChunksInProgress`, which asks one peer alone for a suspect chunk). */
  readonly smartBan?: SmartBan;
  /** The store failed to keep a verified chunk (`error`: its `put`'s); the chunk is discarded too. */
  onUnstorable(chunkIndex: number, error: unknown): void;
}

/**
 * The `Downloader`'s last step for each chunk: once its last block arrives, its SHA-256 is checked (at
 * once or later, as the hasher answers); the smart ban charges whoever sent bad blocks; a good chunk is
 * written through `StoredChunks` (at once or later, as the store answers) and only then counts as held.
 */
export class ChunkVerifier {
  readonly #c: ChunkVerifierComponents;
  readonly #smartBan: SmartBan;

  constructor(components: ChunkVerifierComponents) {
    this.#c = components;
    this.#smartBan = components.smartBan ?? new SmartBan();
  }

  verify(assembly: ChunkAssembly): void {
    assembly.verifying = true;
    const digest = this.#c.sha256(assembly.buffer);
    if (digest instanceof Uint8Array) this.#onDigest(assembly, digest);
    else
      void digest.then(
        (bytes) => this.#onDigest(assembly, bytes),
        (error: unknown) => this.#onHashFailed(assembly, error),
      );
  }

  /**
   * The hasher failed (its promise rejected): the chunk is fetched again, and the host told. It stayed "being
   * verified" for good, asked of nobody, and the download never completed (found by review).
   */
  #onHashFailed(assembly: ChunkAssembly, error: unknown): void {
    if (this.#c.lifecycle.destroyed) return;
    this.#c.inProgress.checked(assembly.chunkIndex);
    this.#c.events.emit('chunk-unhashable', { chunkIndex: assembly.chunkIndex, error });
    this.#c.onDiscarded();
  }

  #onDigest(assembly: ChunkAssembly, digest: Uint8Array): void {
    if (this.#c.lifecycle.destroyed) return;
    const { chunkIndex } = assembly;
    const { inProgress } = this.#c;
    inProgress.checked(chunkIndex);
    if (toHex(digest) !== this.#c.manifest.chunkSha256[chunkIndex]) {
      const senders = [...new Set(assembly.senders.filter((s): s is string => s !== undefined))];
      this.#c.events.emit('chunk-rejected', { chunkIndex, senders });
      this.#penalise(this.#smartBan.failed(assembly));
      for (const sender of senders) if (this.#smartBan.isParoled(sender)) this.#c.onParoled?.(sender);
      return this.#c.onDiscarded();
    }
    // Its senders are charged only once the chunk is held or being stored: a charge that drops a peer has every
    // pipeline filled again, which asked for this chunk once more while it was neither (idle, not held). With a store
    // that answers later, both copies were then held: announced twice, and one chunk short of the file, the leecher
    // lost interest in the peer that held it (found by review).
    const verdict = this.#smartBan.verified(assembly);
    if (this.#c.have.has(chunkIndex)) return this.#penalise(verdict); // a second copy (endgame): the first one counted
    const written = this.#c.chunks.write(chunkIndex, assembly.buffer);
    if (written === true) {
      this.#c.onHeld(chunkIndex);
      return this.#penalise(verdict);
    }
    inProgress.storing(chunkIndex);
    this.#penalise(verdict);
    void written.then((stored) => {
      inProgress.stored(chunkIndex);
      // Held and announced in one step (`StoredChunks.write`), a destroyed engine's chunk held all the same.
      if (stored === true) this.#c.chunks.written(chunkIndex);
      if (this.#c.lifecycle.destroyed) return;
      if (stored === true) return this.#c.onHeld(chunkIndex);
      this.#c.onUnstorable(chunkIndex, stored.error);
      this.#c.onDiscarded();
    });
  }

  /** Charges each sender its bad blocks (`totals`: its count over all its connections, `SmartBan.badBlocksOf`). */
  #penalise(totals: BadBlocks): void {
    for (const [peerId, total] of totals) {
      // One away is dropped as it comes back (`SwarmEngine.addLink`).
      const session = this.#c.sessions.get(peerId);
      if (!session) continue;
      session.badBlocks = total;
      if (session.badBlocks >= this.#c.config.maxBadBlocksPerPeer)
        this.#c.drop(session, 'bad-blocks', `${session.badBlocks} blocks failed verification`);
    }
  }
}
