import { chunkLengthBytes, toHex, type BlockMessage, type WireMessage } from '@swarmlab/protocol';
import { ChunkAssembly, type ChunkBlock } from './chunk-assembly';
import { blockKey, type PeerSession } from './peer-session';
import { RateMeter } from './rate-meter';
import { SmartBan, type BadBlocks } from './smart-ban';
import type { SwarmState } from './swarm-state';
import type { LinkShaper } from './link-shaper';

/**
 * The download side of an engine: interest, pipelined block requests (partial chunks first, then a new
 * chunk from the piece picker, then endgame duplicates), paced to the download cap; block receipt,
 * endgame cancels, SHA-256 verification, the smart ban, and request time-outs.
 */
export class Downloader {
  /** Bytes received, all peers together. */
  readonly meter = new RateMeter();
  readonly #state: SwarmState;
  readonly #shaper: LinkShaper | undefined;
  readonly #inProgress = new Map<number, ChunkAssembly>();
  /** 1 for each chunk in `#inProgress`: a have's check is one byte read, not a map look-up. */
  readonly #inProgressFlags: Uint8Array;
  readonly #smartBan = new SmartBan();
  /** Called once every chunk is verified. */
  readonly #onComplete: () => void;
  #wakeScheduled = false;

  constructor(state: SwarmState, shaper: LinkShaper | undefined, onComplete: () => void) {
    this.#state = state;
    this.#shaper = shaper;
    this.#onComplete = onComplete;
    this.#inProgressFlags = new Uint8Array(state.have.chunkCount);
  }

  /** True while some peer is being asked for blocks of `chunkIndex`. */
  isInProgress(chunkIndex: number): boolean {
    return this.#inProgressFlags[chunkIndex] === 1;
  }

  /** Tells the peer whether it has anything we lack. */
  updateInterest(session: PeerSession): void {
    const interested = session.interestingChunks > 0 && !this.#state.have.isComplete;
    if (interested === session.amInterested) return;
    session.amInterested = interested;
    this.#state.send(session, { type: interested ? 'interested' : 'not-interested' });
  }

  /** The peer announced a chunk: only that chunk can be new work, and a full pipeline needs no new look. */
  announced(session: PeerSession, chunkIndex: number): void {
    if (this.#inProgressFlags[chunkIndex] === 0 && !this.#state.have.has(chunkIndex)) this.fillRequests(session);
  }

  /** The peer will not serve `chunkIndex` after all: stop counting on it. */
  peerLost(session: PeerSession, chunkIndex: number): void {
    const { holdings, picker, have } = this.#state;
    if (!holdings.unset(session.holdingsColumn, chunkIndex)) return;
    picker.peerLost(chunkIndex);
    if (!have.has(chunkIndex)) session.interestingChunks--;
    this.updateInterest(session);
  }

  fillAll(): void {
    for (const session of this.#state.sessions.values()) this.fillRequests(session);
  }

  /** Keeps a peer that unchoked us busy with pipelined requests, paced to our download cap. */
  fillRequests(session: PeerSession): void {
    if (
      this.#state.destroyed ||
      session.closed ||
      !session.handshakeDone ||
      session.peerChoking ||
      !session.amInterested
    )
      return;
    const nowMs = this.#state.deps.clock.nowMs();
    const pipeline = this.#pipelineBlocks(session, nowMs);
    while (session.outstanding.size < pipeline) {
      if (this.#shaper && this.#shaper.msUntilAvailable(nowMs) > 0) return this.#wake(nowMs);
      const next = this.#nextBlockFor(session);
      if (!next) return;
      const { assembly, block } = next;
      this.#shaper?.tryTake(block.lengthBytes, nowMs);
      assembly.markRequested(block.blockIndex, session.peerId);
      session.outstanding.set(blockKey(assembly.chunkIndex, block.offsetBytes), {
        chunkIndex: assembly.chunkIndex,
        blockIndex: block.blockIndex,
        lengthBytes: block.lengthBytes,
        sentAtMs: nowMs,
      });
      this.#state.send(session, {
        type: 'request',
        chunkIndex: assembly.chunkIndex,
        offsetBytes: block.offsetBytes,
        lengthBytes: block.lengthBytes,
      });
    }
  }

  /** Requests to keep in flight with a peer: its rate times (round trip + slack), within bounds. */
  #pipelineBlocks(session: PeerSession, nowMs: number): number {
    if (session.snubbed) return 1;
    const { minPipelineBlocks, maxPipelineBlocks, pipelineSlackMs, blockBytes } = this.#state.config;
    const roundTripMs = Number.isFinite(session.minRoundTripMs) ? session.minRoundTripMs : 0;
    const bytesInFlight = (session.download.bytesPerSec(nowMs) * (roundTripMs + pipelineSlackMs)) / 1000;
    return Math.min(maxPipelineBlocks, Math.max(minPipelineBlocks, Math.ceil(bytesInFlight / blockBytes) + 1));
  }

  #wake(nowMs: number): void {
    if (this.#wakeScheduled) return;
    this.#wakeScheduled = true;
    this.#state.timers.once('download-wake', this.#shaper!.msUntilAvailable(nowMs), () => {
      this.#wakeScheduled = false;
      this.fillAll();
    });
  }

  /** Partial chunks first, then a new chunk (random first, then rarest), then endgame duplicates. */
  #nextBlockFor(session: PeerSession): { assembly: ChunkAssembly; block: ChunkBlock } | undefined {
    const { holdings, have, picker, config } = this.#state;
    for (const assembly of this.#inProgress.values()) {
      if (assembly.verifying || !assembly.hasMissing || !holdings.has(session.holdingsColumn, assembly.chunkIndex))
        continue;
      const block = assembly.nextMissing();
      if (block) return { assembly, block };
    }
    const chunkIndex = picker.pick(
      (index) => holdings.has(session.holdingsColumn, index) && this.#inProgressFlags[index] === 0 && !have.has(index),
      have.count,
    );
    if (chunkIndex !== undefined) {
      const lengthBytes = chunkLengthBytes(this.#state.deps.manifest, chunkIndex);
      const assembly = new ChunkAssembly(chunkIndex, lengthBytes, config.blockBytes);
      this.#inProgress.set(chunkIndex, assembly);
      this.#inProgressFlags[chunkIndex] = 1;
      return { assembly, block: assembly.nextMissing()! };
    }
    const inEndgame = have.count + this.#inProgress.size === have.chunkCount;
    if (!inEndgame) return undefined;
    for (const assembly of this.#inProgress.values()) {
      if (assembly.verifying || !holdings.has(session.holdingsColumn, assembly.chunkIndex)) continue;
      const block = assembly.nextDuplicate(session.peerId, config.endgameMaxRequestsPerBlock);
      if (block) return { assembly, block };
    }
    return undefined;
  }

  onReject(session: PeerSession, chunkIndex: number, offsetBytes: number): void {
    const key = blockKey(chunkIndex, offsetBytes);
    const request = session.outstanding.get(key);
    if (!request) return; // a reject for a request we already gave up: harmless
    session.outstanding.delete(key);
    this.#inProgress.get(chunkIndex)?.release(request.blockIndex, session.peerId);
    // Refused while it does not choke us: it will not serve this chunk (a super-seeder's offer moved on,
    // say), so stop asking it for it. Refused because it chokes us: ask again once unchoked.
    if (!session.peerChoking) this.peerLost(session, chunkIndex);
    this.fillAll();
  }

  onBlock(session: PeerSession, block: BlockMessage): void {
    const key = blockKey(block.chunkIndex, block.offsetBytes);
    const request = session.outstanding.get(key);
    if (!request) {
      if (session.takeGivenUp(key)) return; // crossed our cancel (or a choke) on the wire
      return this.#state.drop(
        session,
        'protocol-violation',
        `block ${block.chunkIndex}:${block.offsetBytes} was never requested`,
      );
    }
    if (block.bytes.length !== request.lengthBytes)
      return this.#state.drop(
        session,
        'protocol-violation',
        `block ${block.chunkIndex}:${block.offsetBytes} has ${block.bytes.length} bytes, requested ${request.lengthBytes}`,
      );
    session.outstanding.delete(key);
    const nowMs = this.#state.deps.clock.nowMs();
    session.download.record(block.bytes.length, nowMs);
    this.meter.record(block.bytes.length, nowMs);
    session.minRoundTripMs = Math.min(session.minRoundTripMs, nowMs - request.sentAtMs);
    session.lastProgressAtMs = nowMs;
    session.snubbed = false;
    const assembly = this.#inProgress.get(block.chunkIndex);
    if (assembly && !assembly.isReceived(request.blockIndex)) {
      for (const otherPeerId of assembly.receive(request.blockIndex, block.bytes, session.peerId)) {
        const other = this.#state.sessions.get(otherPeerId);
        if (other?.outstanding.delete(key)) {
          other.giveUp(key, nowMs);
          this.#state.send(other, {
            type: 'cancel',
            chunkIndex: block.chunkIndex,
            offsetBytes: block.offsetBytes,
            lengthBytes: request.lengthBytes,
          });
          this.fillRequests(other);
        }
      }
      if (assembly.isComplete) this.#verify(assembly);
    }
    this.fillRequests(session);
  }

  #verify(assembly: ChunkAssembly): void {
    assembly.verifying = true;
    const digest = this.#state.deps.sha256(assembly.buffer);
    if (digest instanceof Uint8Array) this.#onVerified(assembly, digest);
    else void digest.then((bytes) => this.#onVerified(assembly, bytes));
  }

  #onVerified(assembly: ChunkAssembly, digest: Uint8Array): void {
    const state = this.#state;
    if (state.destroyed) return;
    const { chunkIndex } = assembly;
    this.#inProgress.delete(chunkIndex);
    this.#inProgressFlags[chunkIndex] = 0;
    if (toHex(digest) !== state.deps.manifest.chunkSha256[chunkIndex]) {
      const senders = [...new Set(assembly.senders.filter((s): s is string => s !== undefined))];
      state.events.emit('chunk-rejected', { chunkIndex, senders });
      this.#penalise(this.#smartBan.failed(assembly));
      return this.fillAll();
    }
    this.#penalise(this.#smartBan.verified(assembly));
    if (state.have.has(chunkIndex)) return; // a second copy (endgame): the first one counted
    state.deps.store.put(chunkIndex, assembly.buffer);
    state.have.set(chunkIndex);
    state.picker.held(chunkIndex);
    state.events.emit('chunk-verified', { chunkIndex });
    // Our handshake and bitfield went out when each link was added, so `have` is always in order.
    const have: WireMessage = { type: 'have', chunkIndex };
    const { suppressHaves } = state.config;
    for (const session of state.sessions.values()) {
      const held = state.holdings.has(session.holdingsColumn, chunkIndex);
      if (held) session.interestingChunks--;
      if (!(suppressHaves && held)) state.send(session, have);
      this.updateInterest(session);
    }
    if (state.have.isComplete) this.#onComplete();
  }

  #penalise(badBlocks: BadBlocks): void {
    for (const [peerId, blocks] of badBlocks) {
      const session = this.#state.sessions.get(peerId);
      if (!session) continue;
      session.badBlocks += blocks;
      if (session.badBlocks >= this.#state.config.maxBadBlocksPerPeer)
        this.#state.drop(session, 'bad-blocks', `${session.badBlocks} blocks failed verification`);
    }
  }

  /** Gives up every request outstanding with a peer, so other peers can be asked. */
  releaseAll(session: PeerSession): void {
    const nowMs = this.#state.deps.clock.nowMs();
    for (const [key, request] of session.outstanding) {
      this.#inProgress.get(request.chunkIndex)?.release(request.blockIndex, session.peerId);
      // A request that crossed a choke on the wire may still be served: its block is then no violation.
      session.giveUp(key, nowMs);
    }
    session.outstanding.clear();
    this.fillAll();
  }

  /** Housekeeping: gives up requests that timed out, forgets old cancels, marks peers that stopped sending as snubbed. */
  expireRequests(session: PeerSession, nowMs: number): void {
    const { requestTimeoutMs, snubTimeoutMs, blockBytes } = this.#state.config;
    for (const [key, request] of session.outstanding) {
      if (nowMs - request.sentAtMs < requestTimeoutMs) continue;
      session.outstanding.delete(key);
      session.giveUp(key, nowMs);
      this.#state.send(session, {
        type: 'cancel',
        chunkIndex: request.chunkIndex,
        offsetBytes: request.blockIndex * blockBytes,
        lengthBytes: request.lengthBytes,
      });
      this.#inProgress.get(request.chunkIndex)?.release(request.blockIndex, session.peerId);
    }
    for (const [key, entry] of session.cancelled)
      if (nowMs - entry.atMs > 2 * requestTimeoutMs) session.cancelled.delete(key);
    const waiting = !session.peerChoking && session.outstanding.size > 0;
    if (waiting && nowMs - session.lastProgressAtMs > snubTimeoutMs) session.snubbed = true;
  }
}
