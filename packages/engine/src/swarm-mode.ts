/**
 * Who uploads in a swarm.
 * - `p2p`: every peer uploads what it holds (BitTorrent).
 * - `client-server`: only the seeding peer uploads, the textbook's baseline architecture; leechers
 *   download and never serve.
 */
export type SwarmMode = 'p2p' | 'client-server';

/** Emulated access link of one peer; an absent rate is unlimited. */
export interface LinkCaps {
  /** u_i (u_s for the seeder), enforced by a `LinkShaper` on the blocks we send. */
  readonly uploadBytesPerSec?: number;
  /** d_i, enforced by a `LinkShaper` pacing the block requests we send. */
  readonly downloadBytesPerSec?: number;
}
