/**
 * The engine's tunables. Values are scaled for demo runs of seconds to minutes on one machine or a
 * classroom LAN; each says why it has its value.
 */
export interface EngineConfig {
  /** Payload of one block request. 32 KiB keeps every message (with its 9-byte header) under the 64 KiB
   * that any WebRTC stack accepts, while staying large enough that per-message overhead is small. */
  readonly blockBytes: number;
  /** Block requests kept outstanding per peer so the link never idles waiting for a round trip:
   * 32 x 32 KiB = 1 MiB in flight covers a 30 MB/s loopback link with ~30 ms of latency. */
  readonly pipelineBlocks: number;
  /** The first chunks are picked at random rather than rarest-first: a newcomer needs *something* to
   * trade quickly, and random picks spread early copies (BitTorrent's "random first piece"). */
  readonly randomFirstChunks: number;
  /** In the endgame, how many peers may be asked for the same block at once. */
  readonly endgameMaxRequestsPerBlock: number;
  /** Stop queuing blocks on a link while this many bytes wait in its send buffer (Chromium's limit is
   * 16 MiB and `send()` throws past it); resumed by the link's drain signal. */
  readonly sendHighWaterBytes: number;
  /** Peers we upload to at once. */
  readonly uploadSlots: number;
  /** Queued requests a peer may have with us before it counts as a flood and is dropped. */
  readonly maxQueuedRequestsPerPeer: number;
  /** A request unanswered this long is given up and re-issued elsewhere. */
  readonly requestTimeoutMs: number;
  /** Chunks failing their hash with a peer's blocks in them before that peer is dropped. */
  readonly maxHashFailuresPerPeer: number;
  /** Period of housekeeping (request time-outs). */
  readonly tickMs: number;
}

export const DEFAULT_ENGINE_CONFIG: EngineConfig = {
  blockBytes: 32 * 1024,
  pipelineBlocks: 32,
  randomFirstChunks: 4,
  endgameMaxRequestsPerBlock: 2,
  sendHighWaterBytes: 1024 * 1024,
  uploadSlots: 64,
  maxQueuedRequestsPerPeer: 512,
  requestTimeoutMs: 20_000,
  maxHashFailuresPerPeer: 3,
  tickMs: 1000,
};
