import type { Bitfield, Manifest } from '@swarmlab/protocol';
import type { AsyncChunkStore, MaybePromise } from './chunk-store';
import type { Clock } from './clock';
import type { EngineConfig } from './engine-config';
import type { Random } from './random';
import type { LinkCaps, SwarmMode } from './swarm-mode';

/** SHA-256 of a chunk; may answer synchronously (the simulator does) or through a promise (WebCrypto). */
export type ChunkHasher = (bytes: Uint8Array) => MaybePromise<Uint8Array>;

/** Everything the engine needs, passed as one object so each runtime injects its own. */
export interface SwarmEngineDeps {
  readonly manifest: Manifest;
  readonly contentId: string;
  readonly localPeerId: string;
  /** Where verified chunks go and are served from: a `ChunkStore` (memory), or one that answers later. */
  readonly store: AsyncChunkStore;
  /** Chunks already in `store` (verified), e.g. every chunk for the seeder. */
  readonly initialChunks?: Bitfield;
  /**
   * Whether this peer is the swarm's seeder: in client-server it alone uploads, in p2p it super-seeds.
   * By default, a peer that starts with every chunk; a leecher that does (its page reloaded after it completed)
   * must say it is none, or it would serve a client-server run.
   */
  readonly seeds?: boolean;
  readonly clock: Clock;
  readonly random: Random;
  readonly sha256: ChunkHasher;
  /** `p2p` unless said otherwise; must be the same for every peer of a swarm. */
  readonly mode?: SwarmMode;
  /** Emulated access link; unlimited when absent. */
  readonly linkCaps?: LinkCaps;
  readonly config?: Partial<EngineConfig>;
}
