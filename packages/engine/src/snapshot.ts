import type { SwarmMode } from './swarm-mode';

/** What the UI shows of one remote peer. Rates are over the last `RATE_WINDOW_MS`. */
export interface PeerSnapshot {
  readonly peerId: string;
  /** The peer's bitfield in wire layout (see `Bitfield`). */
  readonly bits: Uint8Array;
  readonly chunksHeld: number;
  /** Bytes we sent to this peer. */
  readonly uploadedBytes: number;
  /** Bytes we received from this peer. */
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
  readonly uploadBytesPerSec: number;
  readonly downloadBytesPerSec: number;
  readonly startedAtMs: number;
  readonly completedAtMs: number | undefined;
  readonly peers: readonly PeerSnapshot[];
}
