import type { BlockMessage, Manifest, WireMessage } from '@swarmlab/protocol';
import type { ChunkAvailability, HoldingsView } from './chunk-availability';
import { ChunkVerifier } from './chunk-verifier';
import { ChunksInProgress } from './chunks-in-progress';
import type { Clock } from './clock';
import { msToDeliverAnother, msUntilDelivered, overtakes } from './delivery-estimate';
import type { EngineConfig } from './engine-config';
import type { ChunkHasher } from './engine-deps';
import type { DropReason, SwarmEngineEvents } from './engine-events';
import type { LinkShaper } from './link-shaper';
import type { NamedTimers } from './named-timers';
import { blockKey, type DownloaderPeer, type OutstandingRequest } from './peer-state';
import { RateMeter } from './rate-meter';
import { SmartBan } from './smart-ban';
import type { HeldChunks, StoredChunks } from './stored-chunks';
import type { TypedEvents } from './typed-events';

/** What a `Downloader` works with, passed by its `SwarmEngine`. */
export interface DownloaderComponents {
  readonly manifest: Manifest;
  readonly config: Pick<
    EngineConfig,
    | 'blockBytes'
    | 'minPipelineBlocks'
    | 'maxPipelineBlocks'
    | 'pipelineSlackMs'
    | 'endgameMaxRequestsPerBlock'
    | 'maxStoringBytes'
    | 'maxIdleChunks'
    | 'requestTimeoutMs'
    | 'snubTimeoutMs'
    | 'maxBadBlocksPerPeer'
    | 'suppressHaves'
  >;
  readonly clock: Clock;
  readonly timers: NamedTimers;
  readonly sha256: ChunkHasher;
  /** What we hold. */
  readonly have: HeldChunks;
  /** Where verified chunks go. */
  readonly chunks: StoredChunks;
  /** Which chunks each peer holds. */
  readonly holdings: HoldingsView;
  /** Told when a peer withdraws a chunk and when we come to hold one; picks our next chunk. */
  readonly availability: ChunkAvailability;
  /** Connected peers by id (the engine adds and removes them). */
  readonly sessions: ReadonlyMap<string, DownloaderPeer>;
  /** Paces the requests we send to the download cap; absent when the download is unlimited. */
  readonly shaper: LinkShaper | undefined;
  /** Where `chunk-verified` and `chunk-rejected` go. */
  readonly events: TypedEvents<SwarmEngineEvents>;
  /** Sends one message, unless the peer is closed. */
  send(session: DownloaderPeer, message: WireMessage): void;
  /** Disconnects a misbehaving peer. */
  drop(session: DownloaderPeer, reason: DropReason, detail: string): void;
  /** `destroyed` once the engine is destroyed: nothing more is sent. */
  readonly lifecycle: { readonly destroyed: boolean };
  /** Called once every chunk is held. */
  onComplete(): void;
}

/**
 * The download side of an engine: interest, pipelined block requests (which block: `ChunksInProgress`)
 * paced to the download cap; block receipt, endgame cancels and request time-outs; each complete chunk
 * goes to the `ChunkVerifier`, and once held is announced to every peer. Writes each peer's
 * `PeerDownloadState` (with its `ChunkVerifier`, which charges bad blocks).
 */
export class Downloader {
  /** Bytes received, all peers together. */
  readonly meter = new RateMeter();
  readonly #c: DownloaderComponents;
  readonly #inProgress: ChunksInProgress;
  readonly #verifier: ChunkVerifier;
  readonly #smartBan: SmartBan;
  #wakeScheduled = false;

  constructor(components: DownloaderComponents) {
    this.#c = components;
    const { manifest, config, have, holdings, availability, sha256, chunks, sessions, events, lifecycle, drop } =
      components;
    const memoryFor = (lengthBytes: number) => chunks.memoryFor(lengthBytes);
    // Failed copies kept, as much as verified chunks may wait for the store: a cheat's spoiled copies held the whole file.
    const smartBan = (this.#smartBan = new SmartBan(config.maxStoringBytes));
    const inProgress = (this.#inProgress = new ChunksInProgress({
      manifest,
      config,
      have,
      holdings,
      availability,
      memoryFor,
      isSuspect: (chunkIndex) => smartBan.isSuspect(chunkIndex),
      isParoled: (peerId) => smartBan.isParoled(peerId),
      suspectChunks: () => smartBan.suspectChunks(),
      hasSuspects: () => smartBan.hasSuspects,
      // Gone, nothing of it for a request time-out (a source that keeps the chunk's request unanswered), or nothing
      // of it for far longer than the asker would take to bring a block (a restart throws the source's blocks away:
      // a short pause of an honest source is waited out, a trickle or a long choke is not).
      soleSourceStalled: (assembly, askerId) => {
        const source = sessions.get(assembly.soleSource!);
        if (!source || source.closed || !holdings.has(source.holdingsColumn, assembly.chunkIndex)) return true;
        const nowMs = components.clock.nowMs();
        const silentMs = nowMs - (assembly.progressAtMs ?? -Infinity);
        if (silentMs > config.requestTimeoutMs) return true;
        // Or it has sent nothing of the chunk for far longer than the asker would take to bring a block.
        const asker = sessions.get(askerId);
        return asker !== undefined && overtakes(msToDeliverAnother(asker, config.blockBytes, nowMs), silentMs);
      },
      onSoleSourcePassedOver: (assembly) => {
        const source = sessions.get(assembly.soleSource!);
        if (source) this.#cancelChunk(source, assembly.chunkIndex);
      },
      // A block trickling from a slow peer is asked of a peer that would bring it far sooner, however many slow
      // peers hold it: two peers at the lowest cap asked for a block held a small swarm's last chunk for 20 s, the run
      // at 1.6–2.4 × D_p2p (the simulator: up to 5.2 ×, slower than client-server; found by review).
      overtakerFor: (requesterId) => {
        const requester = sessions.get(requesterId);
        const nowMs = components.clock.nowMs();
        // The requester's own estimate, made once, when first needed (a full block: the last may be shorter).
        let requesterMs: number | undefined;
        return (askerId, chunkIndex, blockIndex): boolean => {
          const asker = sessions.get(askerId);
          if (!requester || !asker) return asker === undefined;
          requesterMs ??= msToDeliverAnother(requester, config.blockBytes, nowMs);
          const key = blockKey(chunkIndex, blockIndex * config.blockBytes);
          return overtakes(requesterMs, msUntilDelivered(asker, key, nowMs));
        };
      },
    }));
    this.#verifier = new ChunkVerifier({
      smartBan,
      manifest,
      config,
      sha256,
      have,
      chunks,
      inProgress,
      sessions,
      events,
      lifecycle,
      drop,
      onHeld: (chunkIndex) => this.#onHeld(chunkIndex),
      onDiscarded: () => this.fillAll(),
      onParoled: (peerId) => {
        const session = sessions.get(peerId);
        if (session) this.#cancelShared(session);
      },
      onUnstorable: (chunkIndex, error) => events.emit('chunk-unstorable', { chunkIndex, error }),
    });
  }

  /** Whether `peerId` has as many bad blocks proven against it, over all its connections, as get a peer dropped. */
  convicted(peerId: string): boolean {
    return this.#smartBan.badBlocksOf(peerId) >= this.#c.config.maxBadBlocksPerPeer;
  }

  /** Tells the peer whether it has anything we lack. */
  updateInterest(session: DownloaderPeer): void {
    const interested = session.interestingChunks > 0 && !this.#c.have.isComplete;
    if (interested === session.amInterested) return;
    session.amInterested = interested;
    this.#c.send(session, { type: interested ? 'interested' : 'not-interested' });
  }

  /** The peer announced `chunkIndex` (the engine recorded it in the availability): one more we may want. */
  peerGained(session: DownloaderPeer, chunkIndex: number): void {
    if (!this.#c.have.has(chunkIndex)) session.interestingChunks++;
  }

  /**
   * The peer announced a chunk: only that chunk can be new work (one nobody is asked for, or begun with blocks
   * nobody is asked for; in the endgame, any chunk under way, whose blocks it may bring sooner than the peers asked),
   * and a full pipeline needs no new look. In the endgame such an announcer was asked only at the next tick, up to
   * a second later (found by review).
   */
  announced(session: DownloaderPeer, chunkIndex: number): void {
    if (this.#c.have.has(chunkIndex)) return;
    if (this.#inProgress.isAskable(chunkIndex) || this.#inProgress.inEndgame) this.fillRequests(session);
  }

  /** The peer will not serve `chunkIndex` after all: stop counting on it. */
  #peerLost(session: DownloaderPeer, chunkIndex: number): void {
    if (!this.#c.availability.withdrawn(session.holdingsColumn, chunkIndex)) return;
    if (!this.#c.have.has(chunkIndex)) session.interestingChunks--;
    this.updateInterest(session);
  }

  /**
   * The peer choked us: what we asked of it goes to other peers. A choke repeated changes nothing (nothing is asked
   * of a peer that chokes us): it made every peer's requests be looked at again, for a message of one byte.
   */
  onChoke(session: DownloaderPeer): void {
    if (session.peerChoking) return;
    session.peerChoking = true;
    // An honest peer chokes us at most about once per rechoke (2 s); one flipping unchoke and choke for two bytes
    // made us look at every peer's requests again each time, about 250 µs of the page's main thread a pair
    // (found by review).
    if (++session.recentChokes > MAX_RECENT_CHOKES)
      return this.#c.drop(session, 'protocol-violation', `choked us ${Math.round(session.recentChokes)} times lately`);
    this.releaseAll(session);
  }

  /** The peer unchoked us: ask it for blocks. */
  onUnchoke(session: DownloaderPeer): void {
    // Only an unchoke that ends a choke does anything: a peer repeating it while it sends nothing must not keep our
    // requests pinned, nor itself from counting as snubbed; and each repeat had us look for a block to ask it for,
    // a walk of every chunk when none was askable (about 60 µs of the page's main thread per byte received; found by
    // review). Blocks, announcements and the tick ask it for more anyway.
    if (!session.peerChoking) return;
    session.lastProgressAtMs = this.#c.clock.nowMs();
    session.peerChoking = false;
    this.fillRequests(session);
  }

  fillAll(): void {
    for (const session of this.#c.sessions.values()) this.fillRequests(session);
  }

  /** Keeps a peer that unchoked us busy with pipelined requests, paced to our download cap. */
  fillRequests(session: DownloaderPeer): void {
    if (
      this.#c.lifecycle.destroyed ||
      session.closed ||
      !session.handshakeDone ||
      session.peerChoking ||
      !session.amInterested
    )
      return;
    const { shaper } = this.#c;
    const nowMs = this.#c.clock.nowMs();
    const pipeline = this.#pipelineBlocks(session, nowMs);
    while (session.outstanding.size < pipeline) {
      if (shaper && shaper.msUntilAvailable(nowMs) > 0) return this.#wake(nowMs);
      const next = this.#inProgress.nextBlockFor(session.holdingsColumn, session.peerId);
      if (!next) return;
      const { assembly, block } = next;
      shaper?.tryTake(block.lengthBytes, nowMs);
      assembly.markRequested(block.blockIndex, session.peerId);
      assembly.progressAtMs ??= nowMs;
      session.outstanding.set(blockKey(assembly.chunkIndex, block.offsetBytes), {
        chunkIndex: assembly.chunkIndex,
        blockIndex: block.blockIndex,
        lengthBytes: block.lengthBytes,
        sentAtMs: nowMs,
        seq: session.nextRequestSeq++,
      });
      this.#c.send(session, {
        type: 'request',
        chunkIndex: assembly.chunkIndex,
        offsetBytes: block.offsetBytes,
        lengthBytes: block.lengthBytes,
      });
    }
  }

  /** Requests to keep in flight with a peer: its rate times (round trip + slack), within bounds. */
  #pipelineBlocks(session: DownloaderPeer, nowMs: number): number {
    if (session.snubbed) return 1;
    const { minPipelineBlocks, maxPipelineBlocks, pipelineSlackMs, blockBytes } = this.#c.config;
    const roundTripMs = Number.isFinite(session.minRoundTripMs) ? session.minRoundTripMs : 0;
    const bytesInFlight = (session.download.bytesPerSec(nowMs) * (roundTripMs + pipelineSlackMs)) / 1000;
    return Math.min(maxPipelineBlocks, Math.max(minPipelineBlocks, Math.ceil(bytesInFlight / blockBytes) + 1));
  }

  /**
   * A request given up without its block gives its tokens back: the download cap paces the bytes that cross
   * the link, and a peer that unchokes and chokes, or refuses, would otherwise spend a capped leecher's budget
   * without serving a byte. Should the block come after all, it is charged then (`onBlock`).
   */
  #refund(lengthBytes: number): void {
    this.#c.shaper?.refund(lengthBytes, this.#c.clock.nowMs());
  }

  #wake(nowMs: number): void {
    if (this.#wakeScheduled) return;
    this.#wakeScheduled = true;
    this.#c.timers.once('download-wake', this.#c.shaper!.msUntilAvailable(nowMs), () => {
      this.#wakeScheduled = false;
      this.fillAll();
    });
  }

  onReject(session: DownloaderPeer, chunkIndex: number, offsetBytes: number): void {
    const key = blockKey(chunkIndex, offsetBytes);
    const request = session.outstanding.get(key);
    if (!request) return; // a reject for a request we already gave up: harmless
    session.outstanding.delete(key);
    this.#refund(request.lengthBytes);
    this.#inProgress.release(chunkIndex, request.blockIndex, session.peerId);
    // Refused while it does not choke us: it will not serve this chunk (a super-seeder's offer moved on,
    // say), so stop asking it for it. Refused because it chokes us: ask again once unchoked.
    if (!session.peerChoking) {
      // Each refusal has every peer asked for blocks again; a peer refusing each request and announcing its chunk
      // again at once kept us at that for ever (found by review). Counted is a chunk refused again after it was
      // announced again: a peer whose store fails for a moment refuses each chunk once (its file's every chunk, one
      // after another, when it is the only source), and was dropped for good (found by review of the first count).
      if (session.refusedChunks.has(chunkIndex)) {
        if (++session.recentRefusals > MAX_RECENT_REFUSALS_PIPELINES * this.#c.config.maxPipelineBlocks)
          return this.#c.drop(
            session,
            'protocol-violation',
            `refused ${Math.round(session.recentRefusals)} of our requests again lately`,
          );
      } else session.refusedChunks.add(chunkIndex);
      // Its other requests for the chunk are given up and cancelled: they too were refused, nothing announced again
      // in between, and each counted (7 a chunk of 8 blocks), the only source whose store failed for a second was
      // dropped all the same, its download stalled for good (found by review). A block of them that crosses the
      // cancel is still taken; a refusal of them names no outstanding request, and is ignored.
      this.#cancelChunk(session, chunkIndex);
      this.#peerLost(session, chunkIndex);
    }
    this.fillAll();
  }

  onBlock(session: DownloaderPeer, block: BlockMessage): void {
    const key = blockKey(block.chunkIndex, block.offsetBytes);
    const request = session.outstanding.get(key);
    const late = request ? undefined : session.givenUp.get(key);
    if (!request && !late)
      return this.#c.drop(
        session,
        'protocol-violation',
        `block ${block.chunkIndex}:${block.offsetBytes} was never requested`,
      );
    const lengthBytes = request?.lengthBytes ?? late!.lengthBytes;
    if (block.bytes.length !== lengthBytes)
      return this.#c.drop(
        session,
        'protocol-violation',
        `block ${block.chunkIndex}:${block.offsetBytes} has ${block.bytes.length} bytes, requested ${lengthBytes}`,
      );
    const nowMs = this.#c.clock.nowMs();
    const blockIndex = request?.blockIndex ?? late!.blockIndex;
    const assembly = this.#inProgress.assembly(block.chunkIndex);
    // A copy that must come from one peer takes no block of another's (it would be mixed again); a copy shared with
    // others none of a paroled peer's, asked before its parole or of a copy since started again from another peer (a
    // cheat's spoiled block that crossed its choke, or answered the request of a copy another took over, had the
    // honest peer that took the chunk over paroled; found by review).
    const wanted =
      assembly !== undefined &&
      !assembly.isReceived(blockIndex) &&
      (assembly.soleSource === undefined
        ? !this.#smartBan.isParoled(session.peerId)
        : assembly.soleSource === session.peerId);
    if (request) {
      session.outstanding.delete(key);
      session.minRoundTripMs = Math.min(session.minRoundTripMs, nowMs - request.sentAtMs);
      const crossed = session.givenUp.get(key);
      if (crossed) {
        // Asked again after it was given up: this copy may be the earlier request's, crossing our cancel, and the
        // answer to this one still to come (on a 10 kB/s link, more than 40 s later: an entry that expired then had
        // the honest peer dropped for a block never requested, and a client-server run never finished; found by
        // review). Either copy comes before the answer to any request sent after this one.
        crossed.untilSeq = Math.max(crossed.untilSeq, request.seq + 1);
      } else forgetAnsweredBefore(session, request.seq);
      // Not taken: the copy no longer waits for it from this peer (a paroled peer's answer to a shared copy's request).
      if (!wanted) this.#inProgress.release(block.chunkIndex, blockIndex, session.peerId);
    } else {
      // Crossed our cancel (or a choke) on the wire: its request's tokens were given back, and its bytes came over
      // the link all the same. Taken if the block is still lacking: the cap paid for it (before, a peer that choked
      // and then sent its blocks spent a capped leecher's budget on bytes thrown away).
      if (takeGivenUp(session, key)) this.#c.shaper?.charge(lengthBytes, nowMs);
      if (!wanted) return;
    }
    session.download.record(block.bytes.length, nowMs);
    this.meter.record(block.bytes.length, nowMs);
    session.lastProgressAtMs = nowMs;
    session.snubbed = false;
    if (wanted) {
      assembly.progressAtMs = nowMs;
      for (const otherPeerId of assembly.receive(blockIndex, block.bytes, session.peerId)) {
        const other = this.#c.sessions.get(otherPeerId);
        if (other?.outstanding.delete(key)) {
          giveUp(other, key, nowMs, blockIndex, lengthBytes);
          this.#refund(lengthBytes);
          this.#c.send(other, {
            type: 'cancel',
            chunkIndex: block.chunkIndex,
            offsetBytes: block.offsetBytes,
            lengthBytes,
          });
          this.fillRequests(other);
        }
      }
      if (assembly.isComplete) this.#verifier.verify(assembly);
    }
    this.fillRequests(session);
  }

  /** A verified chunk is held: announce it, and lose interest in peers that have nothing more for us. */
  #onHeld(chunkIndex: number): void {
    const { availability, holdings, have, sessions, config, events } = this.#c;
    availability.weHold(chunkIndex);
    events.emit('chunk-verified', { chunkIndex });
    // Our handshake and bitfield went out when each link was added, so `have` is always in order.
    const message: WireMessage = { type: 'have', chunkIndex };
    for (const session of sessions.values()) {
      const held = holdings.has(session.holdingsColumn, chunkIndex);
      if (held) session.interestingChunks--;
      if (!(config.suppressHaves && held)) this.#c.send(session, message);
      this.updateInterest(session);
    }
    if (have.isComplete) this.#c.onComplete();
    // A write landed: a new chunk held back while writes waited may start now.
    else if (this.#inProgress.takeReleased()) this.fillAll();
  }

  /** Gives up every request outstanding with a peer, so other peers can be asked (if there were any). */
  releaseAll(session: DownloaderPeer): void {
    if (session.outstanding.size === 0) return;
    const nowMs = this.#c.clock.nowMs();
    for (const [key, request] of session.outstanding) {
      this.#inProgress.release(request.chunkIndex, request.blockIndex, session.peerId);
      // A request that crossed a choke on the wire may still be served: its block is then no violation.
      giveUp(session, key, nowMs, request.blockIndex, request.lengthBytes);
      this.#refund(request.lengthBytes);
    }
    session.outstanding.clear();
    this.fillAll();
  }

  /**
   * A peer put on parole gives up its requests for copies others send too (`soleSource` unset), and they are cancelled:
   * answered, they still mixed its blocks into a copy another peer fetches, which had that peer paroled too (found by
   * review). A block of them that comes all the same is refused (`#onBlock`). Its pipeline refills with copies it
   * sends alone.
   */
  #cancelShared(session: DownloaderPeer): void {
    const nowMs = this.#c.clock.nowMs();
    for (const [key, request] of session.outstanding)
      if (this.#inProgress.assembly(request.chunkIndex)?.soleSource === undefined)
        this.#cancel(session, key, request, nowMs);
  }

  /** Cancels the peer's requests for blocks of `chunkIndex`: its copy of the chunk was given up for another peer's. */
  #cancelChunk(session: DownloaderPeer, chunkIndex: number): void {
    const nowMs = this.#c.clock.nowMs();
    for (const [key, request] of session.outstanding)
      if (request.chunkIndex === chunkIndex) this.#cancel(session, key, request, nowMs);
  }

  /** Gives up an outstanding request (its tokens back, its block still taken if it crosses), and cancels it. */
  #cancel(session: DownloaderPeer, key: number, request: OutstandingRequest, nowMs: number): void {
    session.outstanding.delete(key);
    giveUp(session, key, nowMs, request.blockIndex, request.lengthBytes);
    this.#refund(request.lengthBytes);
    this.#c.send(session, {
      type: 'cancel',
      chunkIndex: request.chunkIndex,
      offsetBytes: request.blockIndex * this.#c.config.blockBytes,
      lengthBytes: request.lengthBytes,
    });
    this.#inProgress.release(request.chunkIndex, request.blockIndex, session.peerId);
  }

  /** Housekeeping: gives up requests that timed out, forgets old cancels, marks peers that stopped sending as snubbed. */
  expireRequests(session: DownloaderPeer, nowMs: number): void {
    session.recentChokes /= 2;
    session.recentRefusals /= 2;
    const { requestTimeoutMs, snubTimeoutMs } = this.#c.config;
    for (const [key, request] of session.outstanding) {
      // Timed from the peer's latest block as much as from the request: a peer that keeps sending is slow,
      // not gone, and the blocks queued behind others on its capped link wait their turn (at 10 kB/s, a
      // pipeline of four 32 KiB blocks takes 13 s, and longer with its other peers).
      if (nowMs - Math.max(request.sentAtMs, session.lastProgressAtMs) < requestTimeoutMs) continue;
      this.#cancel(session, key, request, nowMs);
    }
    const waiting = !session.peerChoking && session.outstanding.size > 0;
    if (waiting && nowMs - session.lastProgressAtMs > snubTimeoutMs) session.snubbed = true;
  }
}

/**
 * Copies of one block given up with one peer that are charged to the download cap should they come: an honest peer
 * serves a request once and drops its queue when we choke, so one is in flight at a time, two if a request crossed
 * a cancel. A peer that unchoked and choked us 100 times and then sent the block 100 times had each copy charged to
 * a capped leecher's cap (ten times its bound: found by review); past these, a copy that is still expected (one per
 * request given up) is taken, but not charged.
 */
export const MAX_GIVEN_UP_COPIES = 2;

/**
 * Chokes ending an unchoke that a peer may send lately (the count halves every tick, 1 s) before it is dropped: an
 * honest peer's choke changes at most about once per rechoke (every 2 s), a count that settles near 1.
 */
export const MAX_RECENT_CHOKES = 32;

/**
 * Requests for a chunk it refused before and announced again that a peer not choking us may refuse lately, in
 * pipelines (`maxPipelineBlocks`; the count halves every tick) before it is dropped: an honest one announces a chunk
 * it refused again when it can read it again (`REREAD_AFTER_FAILURE_MS`, 5 s) or offers it again as a super-seeder,
 * a count that settles near none.
 */
export const MAX_RECENT_REFUSALS_PIPELINES = 4;

/** Notes that block `blockIndex` (`lengthBytes`, key `key`) may still arrive although we no longer wait for it. */
function giveUp(session: DownloaderPeer, key: number, nowMs: number, blockIndex: number, lengthBytes: number): void {
  const entry = session.givenUp.get(key);
  session.givenUp.set(key, {
    expectedCopies: (entry?.expectedCopies ?? 0) + 1,
    chargedCopies: Math.min(MAX_GIVEN_UP_COPIES, (entry?.chargedCopies ?? 0) + 1),
    untilSeq: session.nextRequestSeq,
    blockIndex,
    lengthBytes,
  });
}

/**
 * The peer answered our request `seq`: copies of requests given up before it was sent can no longer come (it serves
 * our requests in order), and are forgotten, so a copy of one now is "never requested".
 */
function forgetAnsweredBefore(session: DownloaderPeer, seq: number): void {
  if (session.givenUp.size === 0) return;
  for (const [key, entry] of session.givenUp) if (entry.untilSeq <= seq) session.givenUp.delete(key);
}

/**
 * A copy of a block given up earlier (`key`) came: one fewer is expected (the entry goes with the last, so a copy
 * past those is one never requested: PROTOCOL §3.7). True if it is charged to the download cap.
 */
function takeGivenUp(session: DownloaderPeer, key: number): boolean {
  const entry = session.givenUp.get(key);
  if (!entry) return false;
  if (--entry.expectedCopies <= 0) session.givenUp.delete(key);
  if (entry.chargedCopies === 0) return false;
  entry.chargedCopies--;
  return true;
}
