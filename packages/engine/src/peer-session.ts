import type { BlockRange } from '@swarmlab/protocol';
import type { PeerLink } from './peer-link';
import { RateMeter } from './rate-meter';

/** A block request we sent and are waiting on. */
export interface OutstandingRequest {
  readonly chunkIndex: number;
  readonly blockIndex: number;
  readonly lengthBytes: number;
  readonly sentAtMs: number;
}

/** Key of a block in per-peer maps: a number (no string per message); exact while chunkIndex < 2^21. */
export function blockKey(chunkIndex: number, offsetBytes: number): number {
  return chunkIndex * 2 ** 32 + offsetBytes;
}

/** Everything we know about one connected peer (BitTorrent's four choke/interest flags among it). */
export class PeerSession {
  readonly link: PeerLink;
  /** This peer's column in the engine's `PeerHoldings`: which chunks it has announced. */
  readonly holdingsColumn: number;
  handshakeDone = false;
  /** Set when the link closed or we dropped the peer; nothing more is sent or asked of it. */
  closed = false;
  bitfieldReceived = false;
  amChoking = true;
  amInterested = false;
  peerChoking = true;
  peerInterested = false;
  /** Chunks this peer has announced that we lack: we are interested while it is above zero. */
  interestingChunks = 0;
  /** Blocks from this peer proven bad by comparison with a verified copy (smart ban). */
  badBlocks = 0;
  snubbed = false;
  /** Requests we refused lately; halves every tick. Far more than a pipeline's worth is a flood. */
  recentRejects = 0;
  /** When this peer last unchoked us or sent us a block: the start of any snub timer. */
  lastProgressAtMs: number;
  lastUnchokedAtMs = -Infinity;
  /** Shortest request-to-block time seen: the round trip without queueing. */
  minRoundTripMs = Infinity;
  /** Our requests to this peer, by `blockKey`. */
  readonly outstanding = new Map<number, OutstandingRequest>();
  /**
   * Requests we gave up (cancelled, timed out, or dropped by a choke) whose block may still arrive, with
   * how many such copies may come and when the last was given up. Such a block is ignored, not a
   * violation; entries expire with the request timeout.
   */
  readonly cancelled = new Map<number, { copies: number; atMs: number }>();

  /** Notes that a block for `key` may still arrive although we no longer wait for it. */
  giveUp(key: number, nowMs: number): void {
    const entry = this.cancelled.get(key);
    this.cancelled.set(key, { copies: (entry?.copies ?? 0) + 1, atMs: nowMs });
  }

  /** True (and one copy fewer expected) if a block for `key` was given up earlier. */
  takeGivenUp(key: number): boolean {
    const entry = this.cancelled.get(key);
    if (!entry) return false;
    if (--entry.copies === 0) this.cancelled.delete(key);
    return true;
  }
  /** This peer's requests we have yet to serve, oldest first; `seq` orders them across peers. */
  readonly uploadQueue: Array<BlockRange & { readonly seq: number }> = [];
  readonly upload = new RateMeter();
  readonly download = new RateMeter();

  constructor(link: PeerLink, holdingsColumn: number, nowMs: number) {
    this.link = link;
    this.holdingsColumn = holdingsColumn;
    this.lastProgressAtMs = nowMs;
  }

  get peerId(): string {
    return this.link.remotePeerId;
  }
}
