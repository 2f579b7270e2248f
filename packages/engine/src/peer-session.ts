import { Bitfield, type BlockRange } from '@swarmlab/protocol';
import type { PeerLink } from './peer-link';
import { RateMeter } from './rate-meter';

/** A block request we sent and are waiting on. */
export interface OutstandingRequest {
  readonly chunkIndex: number;
  readonly blockIndex: number;
  readonly lengthBytes: number;
  readonly sentAtMs: number;
}

/** Key of a block in per-peer maps. */
export function blockKey(chunkIndex: number, offsetBytes: number): string {
  return `${chunkIndex}:${offsetBytes}`;
}

/** Everything we know about one connected peer (BitTorrent's four choke/interest flags among it). */
export class PeerSession {
  readonly link: PeerLink;
  readonly bits: Bitfield;
  handshakeDone = false;
  bitfieldReceived = false;
  amChoking = true;
  amInterested = false;
  peerChoking = true;
  peerInterested = false;
  hashFailures = 0;
  /** Our requests to this peer, by `blockKey`. */
  readonly outstanding = new Map<string, OutstandingRequest>();
  /** Requests we cancelled whose block may still arrive; such a block is ignored, not a violation. */
  readonly cancelled = new Set<string>();
  /** This peer's requests we have yet to serve. */
  readonly uploadQueue: BlockRange[] = [];
  readonly upload = new RateMeter();
  readonly download = new RateMeter();

  constructor(link: PeerLink, chunkCount: number) {
    this.link = link;
    this.bits = new Bitfield(chunkCount);
  }

  get peerId(): string {
    return this.link.remotePeerId;
  }
}
