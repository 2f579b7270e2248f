import type { HoldingsView } from './chunk-availability';
import type { PeerView } from './peer-state';
import type { SwarmMode } from './swarm-mode';

/**
 * What the UI shows of one remote peer. Rates are over the last `RATE_WINDOW_MS`. No copy of its bitfield: nothing
 * read it, and every tab copied each neighbour's four times a second (10 ms a sample for 63 peers of 16,384 chunks,
 * found by review); each peer's own bitmap reaches the screens through its report.
 */
export interface PeerSnapshot {
  readonly peerId: string;
  readonly chunksHeld: number;
  /** Bytes we sent to this peer. */
  readonly uploadedBytes: number;
  /**
   * Bytes we received from this peer for requests we had open. A copy that crossed our cancel or a choke and that the
   * chunk no longer needs is not counted (a capped link is charged for it): the figure is what the download used, and a
   * reloaded leecher's, its kept chunks added, stays within the file.
   */
  readonly downloadedBytes: number;
  readonly uploadBytesPerSec: number;
  readonly downloadBytesPerSec: number;
  readonly amChoking: boolean;
  readonly amInterested: boolean;
  readonly peerChoking: boolean;
  readonly peerInterested: boolean;
  readonly snubbed: boolean;
  readonly outstandingRequests: number;
}

/** A copy of one engine's state at an instant. */
export interface SwarmSnapshot {
  readonly localPeerId: string;
  readonly mode: SwarmMode;
  /** A seeder still hiding chunks to make its first uploads distinct. */
  readonly superSeeding: boolean;
  readonly chunkCount: number;
  readonly bits: Uint8Array;
  readonly chunksHeld: number;
  readonly complete: boolean;
  readonly uploadedBytes: number;
  readonly downloadedBytes: number;
  /**
   * Bytes of the file sent to each peer id over the engine's life, each byte once (`SentCoverage`: a block asked
   * for again and sent again is in `uploadedBytes` twice, here once), departed peers included. What a tab tells the
   * server it sent each neighbour (corroboration).
   */
  readonly sentBytesByPeer: ReadonlyMap<string, number>;
  readonly uploadBytesPerSec: number;
  readonly downloadBytesPerSec: number;
  readonly startedAtMs: number;
  readonly completedAtMs: number | undefined;
  readonly peers: readonly PeerSnapshot[];
}

/** What the UI shows of one connected peer. */
export function peerSnapshot(session: PeerView, holdings: HoldingsView, nowMs: number): PeerSnapshot {
  return {
    peerId: session.peerId,
    chunksHeld: holdings.count(session.holdingsColumn),
    uploadedBytes: session.upload.totalBytes,
    downloadedBytes: session.download.totalBytes,
    uploadBytesPerSec: session.upload.bytesPerSec(nowMs),
    downloadBytesPerSec: session.download.bytesPerSec(nowMs),
    amChoking: session.amChoking,
    amInterested: session.amInterested,
    peerChoking: session.peerChoking,
    peerInterested: session.peerInterested,
    snubbed: session.snubbed,
    outstandingRequests: session.outstanding.size,
  };
}
