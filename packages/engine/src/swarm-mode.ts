/** Who uploads in a swarm (`p2p` or `client-server`): declared once, in the protocol, for every package. */
export type { SwarmMode } from '@swarmlab/protocol';

/** Emulated access link of one peer; an absent rate is unlimited. */
export interface LinkCaps {
  /** u_i (u_s for the seeder), enforced by a `LinkShaper` on the blocks we send. */
  readonly uploadBytesPerSec?: number;
  /** d_i, enforced by a `LinkShaper` pacing the block requests we send. */
  readonly downloadBytesPerSec?: number;
}
