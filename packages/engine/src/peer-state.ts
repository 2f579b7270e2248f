import type { BlockRange } from '@swarmlab/protocol';
import type { PeerLink } from './peer-link';
import type { RateMeter, RateReading } from './rate-meter';

// What the engine tracks about one connected peer, split by the part that writes it. One `PeerSession`
// object holds it all (a message's path in a simulated swarm of a thousand engines is bound by the
// pointers it follows); each part sees that object through its own type, in which its state is
// writable and every other part's is a read-only view, so no part can write another's.

/** What the `SwarmEngine` (the links' lifecycle) writes: the link and where the conversation stands. */
export interface PeerLinkState {
  readonly link: PeerLink;
  readonly peerId: string;
  /** This peer's column in the `PeerHoldings`: which chunks it has announced. */
  readonly holdingsColumn: number;
  /** Its handshake named our file and protocol: other messages may follow. */
  handshakeDone: boolean;
  /** The link closed or we dropped the peer: nothing more is sent or asked of it. */
  closed: boolean;
  /** It sent its bitfield or a `have`: a bitfield now would be a violation. */
  bitfieldReceived: boolean;
}

/** A block request we sent and are waiting on. */
export interface OutstandingRequest {
  readonly chunkIndex: number;
  readonly blockIndex: number;
  readonly lengthBytes: number;
  readonly sentAtMs: number;
  /** Its place among our requests to this peer (`PeerDownloadState.nextRequestSeq`). */
  readonly seq: number;
}

/** Copies of a block we gave up on that may still arrive, and when the last was given up. */
export interface GivenUpRequest {
  /** Copies that may still come: one per request given up (an honest peer sends each request's block once at most). */
  expectedCopies: number;
  /** Of those, how many are still charged to the download cap (`MAX_GIVEN_UP_COPIES` at most). */
  chargedCopies: number;
  /**
   * Its copies come before the peer's answer to our request `untilSeq` or any later one: the peer serves our requests
   * in the order they came, over an ordered channel, and our cancel (or our requests crossing its choke) came before
   * those. Once such an answer came, no copy will, and the entry is forgotten (`Downloader.onBlock`).
   */
  untilSeq: number;
  /** The block it asked for, and its length: a late block must have it. */
  readonly blockIndex: number;
  readonly lengthBytes: number;
}

/** What the `Downloader` writes: whether we want something from the peer and may ask, and our requests. */
export interface PeerDownloadState {
  /** We told the peer we want something it has (BitTorrent's `am_interested`). */
  amInterested: boolean;
  /** The peer does not let us ask (BitTorrent's `peer_choking`). */
  peerChoking: boolean;
  /** Chunks this peer has announced that we lack: we are interested while it is above zero. */
  interestingChunks: number;
  /** Blocks from this peer proven bad by comparison with a verified copy (smart ban). */
  badBlocks: number;
  /** Unchoked us, yet sent nothing for a while although we wait on it: one request at a time. */
  snubbed: boolean;
  /** Chokes that ended an unchoke lately; halves every tick. Far more than a rechoke's worth is a flood. */
  recentChokes: number;
  /** Its refusals, while not choking us, of chunks it refused before, lately; halves every tick (`onReject`). */
  recentRefusals: number;
  /** The chunks it refused while not choking us. */
  readonly refusedChunks: Set<number>;
  /** When this peer last unchoked us or sent us a block: the start of any snub timer. */
  lastProgressAtMs: number;
  /** Shortest request-to-block time seen: the round trip without queueing. */
  minRoundTripMs: number;
  /** The number the next request to this peer gets (`OutstandingRequest.seq`). */
  nextRequestSeq: number;
  /** Our requests to this peer, by `blockKey`. */
  readonly outstanding: Map<number, OutstandingRequest>;
  /**
   * Requests we gave up (cancelled, timed out, or dropped by a choke) whose block may still arrive, by
   * `blockKey`. Such a block, of the length asked for, is no violation: it is charged to the download cap and
   * taken if the chunk still lacks it (`Downloader.onBlock`); an entry is forgotten once the peer answered a request
   * we sent after it (`GivenUpRequest.untilSeq`).
   */
  readonly givenUp: Map<number, GivenUpRequest>;
  /** What this peer sends us: what tit-for-tat reciprocates. */
  readonly download: RateMeter;
}

/** A peer's request we have yet to serve; `seq` orders requests across peers. */
export type QueuedRequest = BlockRange & { readonly seq: number };

/** What the `Uploader` writes: the peer's requests waiting to be served, and what we sent it. */
export interface PeerUploadState {
  /** This peer's requests we have yet to serve, oldest first. */
  readonly uploadQueue: QueuedRequest[];
  /** Requests we refused lately; halves every tick. Far more than a pipeline's worth is a flood. */
  recentRejects: number;
  /** What we send this peer. */
  readonly upload: RateMeter;
}

/** What `ChokeControl` writes: whether the peer may download from us and whether it wants to. */
export interface PeerChokeState {
  /** We do not let the peer ask (BitTorrent's `am_choking`). */
  amChoking: boolean;
  /** The peer told us it wants something we hold (BitTorrent's `peer_interested`). */
  peerInterested: boolean;
  /** When we last unchoked it, for the seeders' round robin; -Infinity if never. */
  lastUnchokedAtMs: number;
}

/** What the other parts may read of the links' lifecycle. */
export type PeerLinkView = Readonly<PeerLinkState>;

/** What the other parts may read of the `Downloader`'s state. */
export interface PeerDownloadView {
  readonly amInterested: boolean;
  readonly peerChoking: boolean;
  readonly snubbed: boolean;
  readonly outstanding: ReadonlyMap<number, OutstandingRequest>;
  readonly download: RateReading;
}

/** What the other parts may read of the `Uploader`'s state. */
export interface PeerUploadView {
  readonly upload: RateReading;
}

/** What the other parts may read of `ChokeControl`'s state. */
export type PeerChokeView = Readonly<PeerChokeState>;

/** A connected peer as the `Downloader` sees it. */
export type DownloaderPeer = PeerLinkView & PeerDownloadState & PeerUploadView & PeerChokeView;

/** A connected peer as the `Uploader` sees it. */
export type UploaderPeer = PeerLinkView & PeerDownloadView & PeerUploadState & PeerChokeView;

/** A connected peer as `ChokeControl` sees it. */
export type ChokerPeer = PeerLinkView & PeerDownloadView & PeerUploadView & PeerChokeState;

/** A connected peer as snapshots see it. */
export type PeerView = PeerLinkView & PeerDownloadView & PeerUploadView & PeerChokeView;

/** Key of a block in per-peer maps: a number (no string per message); exact while chunkIndex < 2^21. */
export function blockKey(chunkIndex: number, offsetBytes: number): number {
  return chunkIndex * 2 ** 32 + offsetBytes;
}
