import { chunkLengthBytes, type BlockRange } from '@swarmlab/protocol';
import type { PeerSession } from './peer-session';
import { RateMeter } from './rate-meter';
import type { SwarmState } from './swarm-state';
import type { LinkShaper } from './link-shaper';

/**
 * The upload side of an engine: checks and queues peers' requests (refusing what we may not give),
 * and serves them within the upload cap, rarest chunk first in p2p mode, oldest request first otherwise.
 */
export class Uploader {
  /** Bytes sent, all peers together. */
  readonly meter = new RateMeter();
  readonly #state: SwarmState;
  readonly #shaper: LinkShaper | undefined;
  /** Sessions with queued requests. */
  readonly #ready = new Set<PeerSession>();
  readonly #rarestFirst: boolean;
  /** Called when an upload completes a super-seeder's offer. */
  readonly #onOfferDone: () => void;
  #requestSeq = 0;
  #wakeScheduled = false;
  #lastUploadAtMs = -Infinity;

  constructor(state: SwarmState, shaper: LinkShaper | undefined, onOfferDone: () => void) {
    this.#state = state;
    this.#shaper = shaper;
    this.#onOfferDone = onOfferDone;
    this.#rarestFirst = state.mode === 'p2p' && state.config.uploadRarestFirst;
  }

  /** True while some peer's request waits to be served. */
  get busy(): boolean {
    return this.#ready.size > 0;
  }

  /** When a block last left (or an idle unchoke last claimed the link). */
  get lastUploadAtMs(): number {
    return this.#lastUploadAtMs;
  }

  set lastUploadAtMs(atMs: number) {
    this.#lastUploadAtMs = atMs;
  }

  onRequest(session: PeerSession, request: BlockRange): void {
    const { have, config, superSeeder } = this.#state;
    const { chunkIndex, offsetBytes, lengthBytes } = request;
    if (
      chunkIndex >= have.chunkCount ||
      offsetBytes + lengthBytes > chunkLengthBytes(this.#state.deps.manifest, chunkIndex)
    )
      return this.#state.drop(
        session,
        'protocol-violation',
        `request ${chunkIndex}:${offsetBytes}+${lengthBytes} out of range`,
      );
    if (session.uploadQueue.length >= config.maxQueuedRequestsPerPeer)
      return this.#state.drop(session, 'request-flood', `more than ${config.maxQueuedRequestsPerPeer} queued requests`);
    const hidden = superSeeder?.active === true && !superSeeder.isOffered(session.peerId, chunkIndex);
    if (session.amChoking || !have.has(chunkIndex) || hidden) {
      if (++session.recentRejects > config.maxQueuedRequestsPerPeer)
        return this.#state.drop(
          session,
          'request-flood',
          `${session.recentRejects} refused requests in about a second`,
        );
      return this.#state.send(session, { ...request, type: 'reject' });
    }
    session.uploadQueue.push({ chunkIndex, offsetBytes, lengthBytes, seq: this.#requestSeq++ });
    this.queue(session);
  }

  onCancel(session: PeerSession, range: { chunkIndex: number; offsetBytes: number }): void {
    const index = session.uploadQueue.findIndex(
      (r) => r.chunkIndex === range.chunkIndex && r.offsetBytes === range.offsetBytes,
    );
    if (index >= 0) session.uploadQueue.splice(index, 1);
  }

  /** Serves the peer's queued requests when the link allows (also on the link's drain). */
  queue(session: PeerSession): void {
    if (session.uploadQueue.length === 0) return;
    this.#ready.add(session);
    this.#pump();
  }

  /**
   * Sends blocks within the link caps. In p2p mode, requests for the chunks fewest of our neighbours hold
   * go first: we may be their only source nearby, and spreading the newest chunks fastest is what keeps
   * every upload in a large swarm busy to the end. Otherwise, and among equals, the oldest request goes
   * first, so a super-seeder finishes one offer before the next and a new offer's first request arrives
   * while the other is still being sent (a round robin would finish both at once, then idle a round trip).
   * A client-server seeder serves strictly oldest first: nothing starves.
   */
  #pump(): void {
    const state = this.#state;
    while (this.#ready.size > 0 && !state.destroyed) {
      const nowMs = state.deps.clock.nowMs();
      if (this.#shaper && this.#shaper.msUntilAvailable(nowMs) > 0) return this.#wake(nowMs);
      const session = this.#nextSession();
      if (!session) return;
      const request = session.uploadQueue.shift()!;
      if (session.uploadQueue.length === 0) this.#ready.delete(session);
      const bytes = state.deps.store
        .get(request.chunkIndex)!
        .subarray(request.offsetBytes, request.offsetBytes + request.lengthBytes);
      this.#shaper?.tryTake(bytes.length, nowMs);
      state.send(session, { type: 'block', chunkIndex: request.chunkIndex, offsetBytes: request.offsetBytes, bytes });
      session.upload.record(bytes.length, nowMs);
      this.meter.record(bytes.length, nowMs);
      this.#lastUploadAtMs = nowMs;
      if (state.superSeeder?.recordUpload(session.peerId, request.chunkIndex, bytes.length, nowMs)) this.#onOfferDone();
    }
  }

  /** The peer whose queued request is oldest; peers whose send buffer is full wait for their drain. */
  #nextSession(): PeerSession | undefined {
    let best: PeerSession | undefined;
    let bestRank = Infinity;
    for (const session of this.#ready) {
      const head = session.uploadQueue[0];
      const parked = session.link.bufferedBytes >= this.#state.config.sendHighWaterBytes;
      if (!head || parked || session.closed) {
        this.#ready.delete(session);
        continue;
      }
      const rank = this.#rarestFirst ? this.#state.picker.availability(head.chunkIndex) * 1e12 + head.seq : head.seq;
      if (rank < bestRank) {
        best = session;
        bestRank = rank;
      }
    }
    return best;
  }

  #wake(nowMs: number): void {
    if (this.#wakeScheduled) return;
    this.#wakeScheduled = true;
    this.#state.timers.once('upload-wake', this.#shaper!.msUntilAvailable(nowMs), () => {
      this.#wakeScheduled = false;
      this.#pump();
    });
  }
}
