import { MIN_CAP_BYTES_PER_SEC, RATE_WINDOW_MS } from '@swarmlab/protocol';

/**
 * Rates (the download rate tit-for-tat reciprocates, the rates a snapshot shows) average over this
 * sliding window: smooth enough to read on a chart, short enough to follow a peer that slows down. The protocol's,
 * as a progress report's rates are read by it.
 */
export { RATE_WINDOW_MS };

/** The rate window slides in steps of this; a step's bytes leave the window all at once. */
export const RATE_STEP_MS = 250;

/**
 * The engine's tunables. Values are scaled for demo runs of seconds to minutes, on one machine or a
 * classroom LAN; each says why it has its value.
 */
export interface EngineConfig {
  /** Payload of one block request. 32 KiB keeps every message (with its 9-byte header) under the 64 KiB
   * any WebRTC stack accepts, while large enough that per-message costs stay small. */
  readonly blockBytes: number;
  /** Fewest block requests kept in flight per peer that unchoked us, before its rate is known. */
  readonly minPipelineBlocks: number;
  /** Most block requests in flight per peer: bounds what a vanishing peer can hold up. */
  readonly maxPipelineBlocks: number;
  /** Requests in flight cover the peer's rate times (round trip + this slack): the link never idles
   * while the next request travels, and short stalls of the sender do not empty our queue. */
  readonly pipelineSlackMs: number;
  /** The first chunks are picked at random rather than rarest-first: a newcomer needs something to trade
   * quickly, and random picks spread early copies (BitTorrent's "random first piece"). */
  readonly randomFirstChunks: number;
  /** Verified chunks waiting for a store that answers later (IndexedDB) may hold this many bytes; past
   * it no new chunk is started until a write lands (a soft bound: chunks under way still finish, up to
   * what every peer's pipeline holds; endgame duplicates are still asked for). Storage slower than
   * the network then slows the download instead of piling chunks up in memory (#12: a browser's
   * IndexedDB stalls for a second or more at times, and the tab and the browser process each held every
   * chunk that waited). */
  readonly maxStoringBytes: number;
  /**
   * Chunks begun with no block asked of anyone now (the peers that had them choked us, left, or refused
   * them) may number this many; past it no new chunk is started until one of them is finished (a soft bound,
   * as `maxStoringBytes`; endgame duplicates are still asked for). Each holds a chunk's buffer: a peer that
   * refuses every request (a seeder whose file changed on disk, or a hostile one) otherwise had us begin every
   * chunk it claims, the whole file in memory.
   */
  readonly maxIdleChunks: number;
  /**
   * In the endgame, how many peers may be asked for the same block at once, not counting those the asking peer
   * would overtake by far (`delivery-estimate.ts`).
   */
  readonly endgameMaxRequestsPerBlock: number;
  /** Stop queuing blocks on a link while this many bytes wait in its send buffer (Chromium's limit is
   * 16 MiB and `send()` throws past it); resumed by the link's drain signal. */
  readonly sendHighWaterBytes: number;
  /** Peers unchoked for reciprocation (tit-for-tat): BitTorrent's classic four. */
  readonly uploadSlots: number;
  /** Extra slot given to a random choked peer, so newcomers get a first chunk and better partners are found. */
  readonly optimisticSlots: number;
  /** A seeder uploads to this many peers at once (while super-seeding: keeps this many chunk offers
   * open); fewer means each chunk leaves it sooner and spreads sooner. Two keeps its link busy while one
   * peer's next request is on its way. */
  readonly seedUploadSlots: number;
  /**
   * A super-seeder offers a peer already holding an offer another one (up to `seedUploadSlots`) once the last offer
   * it sent that peer whole came, over its last quarter, at this share of the seeder's upload cap over
   * `seedUploadSlots` or faster, and while its open offers keep that pace: a fast uploader among slow ones then takes
   * most of the chunks, which it passes on, where offered one at a time it got a chunk in two and the seeder sent the
   * rest twice (1.85–1.99 × the bound for 3 peers in the simulator, 1.07 now; PROTOCOL §3.6). A peer whose download
   * is capped below that share gets one offer at a time, so the seeder's upload still goes to the others (with a
   * second offer for anyone, leechers capped at 500 kB/s under a 2 MB/s seeder took 1.27–1.37 × the bound, against
   * 1.02–1.04). Never without an upload cap: no share is known.
   */
  readonly superSeedExtraOfferShare: number;
  /** How often unchoke slots are reassigned: long enough for rates (over `RATE_WINDOW_MS`) to settle. */
  readonly rechokeIntervalMs: number;
  /** The optimistic slot moves every this many rechokes. */
  readonly optimisticRotationRechokes: number;
  /** A peer that unchoked us but sent nothing for this long, while we wait on it, is snubbed: it loses
   * its reciprocation slot and gets one request at a time. */
  readonly snubTimeoutMs: number;
  /** Queued requests a peer may have with us, or requests we refused lately (the count halves every
   * `tickMs`), before it counts as a flood and is dropped. An honest peer keeps at most
   * `maxPipelineBlocks` in flight. */
  readonly maxQueuedRequestsPerPeer: number;
  /** A super-seeder's offer that sees no request for this long moves on to another peer. */
  readonly superSeedOfferTimeoutMs: number;
  /**
   * The least download cap a requester may have, in the links' bytes per second (`MIN_CAP_BYTES_PER_SEC`, the
   * least a run allows): a super-seeder's offer waits at least two of such a requester's gaps between blocks. The
   * simulator, whose links carry scaled-down bytes, scales it down with them: unscaled, its offers to leechers at
   * 10–20 kB/s went stale between two blocks (131 offers for 16 chunks) where the engine made one per chunk.
   */
  readonly slowestCapBytesPerSec: number;
  /** A request unanswered this long is given up and re-issued elsewhere. */
  readonly requestTimeoutMs: number;
  /** Blocks proven bad (smart ban) before their sender is dropped. */
  readonly maxBadBlocksPerPeer: number;
  /** Saved-up sending a shaped link may burst, in seconds of its rate (at least one block). */
  readonly shapingBurstSec: number;
  /** Skip `have` to peers that already hold the chunk (they cannot want it from us). Halves the
   * messages of a large swarm; off by default because a tab then shows neighbours' bitmaps short of
   * the chunks it holds itself. The simulator turns it on above 200 peers. */
  readonly suppressHaves: boolean;
  /** In p2p mode, serve requests for the chunks fewest neighbours hold first (see `Uploader`). */
  readonly uploadRarestFirst: boolean;
  /** An upload idle this long while choked peers want something unchokes one more of them. */
  readonly idleUnchokeAfterMs: number;
  /** Period of housekeeping: request time-outs, snub detection. */
  readonly tickMs: number;
}

export const DEFAULT_ENGINE_CONFIG: EngineConfig = {
  blockBytes: 32 * 1024,
  minPipelineBlocks: 4,
  maxPipelineBlocks: 64,
  pipelineSlackMs: 250,
  randomFirstChunks: 4,
  endgameMaxRequestsPerBlock: 2,
  maxStoringBytes: 4 * 1024 * 1024,
  maxIdleChunks: 64,
  sendHighWaterBytes: 1024 * 1024,
  uploadSlots: 4,
  optimisticSlots: 1,
  seedUploadSlots: 2,
  superSeedExtraOfferShare: 0.75,
  rechokeIntervalMs: 2000,
  optimisticRotationRechokes: 3,
  snubTimeoutMs: 8000,
  maxQueuedRequestsPerPeer: 512,
  superSeedOfferTimeoutMs: 3000,
  slowestCapBytesPerSec: MIN_CAP_BYTES_PER_SEC,
  requestTimeoutMs: 20_000,
  maxBadBlocksPerPeer: 2,
  shapingBurstSec: 0.05,
  suppressHaves: false,
  uploadRarestFirst: true,
  idleUnchokeAfterMs: 100,
  tickMs: 1000,
};
