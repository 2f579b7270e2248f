import type { PeerLink } from './peer-link';
import type {
  GivenUpRequest,
  OutstandingRequest,
  PeerChokeState,
  PeerDownloadState,
  PeerLinkState,
  PeerUploadState,
  QueuedRequest,
} from './peer-state';
import { RateMeter } from './rate-meter';

/**
 * Everything we know about one connected peer, in one object: the state each part writes (see
 * `PeerLinkState`, `PeerDownloadState`, `PeerUploadState`, `PeerChokeState`). Only the `SwarmEngine`
 * holds it under this type; it hands each part the same object typed as that part's view
 * (`DownloaderPeer`, `UploaderPeer`, `ChokerPeer`), and itself writes only `PeerLinkState`.
 */
export class PeerSession implements PeerLinkState, PeerDownloadState, PeerUploadState, PeerChokeState {
  readonly link: PeerLink;
  readonly holdingsColumn: number;
  handshakeDone = false;
  closed = false;
  bitfieldReceived = false;
  amChoking = true;
  amInterested = false;
  peerChoking = true;
  peerInterested = false;
  interestingChunks = 0;
  badBlocks = 0;
  snubbed = false;
  recentRejects = 0;
  recentChokes = 0;
  recentRefusals = 0;
  readonly refusedChunks = new Set<number>();
  lastProgressAtMs: number;
  lastUnchokedAtMs = -Infinity;
  minRoundTripMs = Infinity;
  nextRequestSeq = 0;
  readonly outstanding = new Map<number, OutstandingRequest>();
  readonly givenUp = new Map<number, GivenUpRequest>();
  readonly uploadQueue: QueuedRequest[] = [];
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
