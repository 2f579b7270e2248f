import type { PeerId } from './signalling';

/**
 * Data moving now from one member to another, as the server derives it from the senders' successive
 * `sentTo` totals (it never sees a chunk): the classroom's swarm map draws one edge per flow, so a class
 * sees leechers upload while they download, a star in client-server and a mesh in p2p.
 */
export interface PairFlow {
  readonly from: PeerId;
  readonly to: PeerId;
  /** Smoothed over about a second, whole bytes per second, never above the run's caps for the pair. */
  readonly bytesPerSec: number;
}

/**
 * Most flows one `swarm:progress` carries, the fastest first: 40 peers in a mesh make 1,560 pairs, and
 * each broadcast goes to every member four times a second. 96 flows are about 8 KB of JSON (the peers'
 * bitmaps of a 1,024-chunk file are about twice that), and more edges than that are a blur on a projector.
 */
export const MAX_BROADCAST_FLOWS = 96;
