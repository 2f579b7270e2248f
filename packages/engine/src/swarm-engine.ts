import {
  Bitfield,
  chunkCount,
  chunkLengthBytes,
  decodeWireMessage,
  encodeWireMessage,
  PROTOCOL_VERSION,
  type Manifest,
  type WireMessage,
} from '@swarmlab/protocol';
import { ChokeControl } from './choke-control';
import { Downloader } from './downloader';
import { DEFAULT_ENGINE_CONFIG } from './engine-config';
import type { SwarmEngineDeps } from './engine-deps';
import type { DropReason, SwarmEngineEvents } from './engine-events';
import { NamedTimers } from './named-timers';
import type { PeerLink, PeerLinkHandlers } from './peer-link';
import { PeerHoldings } from './peer-holdings';
import { PeerSession } from './peer-session';
import { PiecePicker } from './piece-picker';
import type { PeerSnapshot, SwarmSnapshot } from './snapshot';
import { SuperSeeder } from './super-seeder';
import type { SwarmMode } from './swarm-mode';
import type { SwarmState } from './swarm-state';
import { LinkShaper } from './link-shaper';
import { TypedEvents } from './typed-events';
import { Uploader } from './uploader';

export type { ChunkHasher, SwarmEngineDeps } from './engine-deps';
export type { DropReason, SwarmEngineEvents } from './engine-events';

/** How a session's link handlers reach the engine's private methods (set by its static block). */
let route: {
  message(engine: SwarmEngine, session: PeerSession, bytes: Uint8Array): void;
  decoded(engine: SwarmEngine, session: PeerSession, message: WireMessage): void;
  drain(engine: SwarmEngine, session: PeerSession): void;
  close(engine: SwarmEngine, session: PeerSession, reason: string): void;
};

/**
 * One link's handlers: a plain object holding its engine and session, with shared methods, rather than
 * four closures over them. Every message goes through it; in a simulated swarm of a thousand engines
 * each pointer followed per message is a likely cache miss, and a closure adds two.
 */
class SessionHandlers implements PeerLinkHandlers {
  readonly #engine: SwarmEngine;
  readonly #session: PeerSession;

  constructor(engine: SwarmEngine, session: PeerSession) {
    this.#engine = engine;
    this.#session = session;
  }

  message(bytes: Uint8Array): void {
    route.message(this.#engine, this.#session, bytes);
  }

  decoded(message: WireMessage): void {
    route.decoded(this.#engine, this.#session, message);
  }

  drain(): void {
    route.drain(this.#engine, this.#session);
  }

  close(reason: string): void {
    route.close(this.#engine, this.#session, reason);
  }
}

/**
 * One peer's side of a swarm: speaks the wire protocol on every link, downloads missing chunks in
 * pipelined blocks (random first, then rarest-first, endgame), verifies each chunk's SHA-256 before
 * keeping or offering it, chokes and unchokes like BitTorrent (tit-for-tat, optimistic unchoke,
 * super-seeding), and shapes its traffic to emulated link caps. Pure: no DOM, no Node, no transport.
 *
 * This class holds the links and routes each message to the part that handles it: the `Downloader`
 * (requests, blocks, verification), the `Uploader` (serving requests within the upload cap) and
 * `ChokeControl` (who may download from us); they share one `SwarmState`.
 */
export class SwarmEngine {
  readonly events = new TypedEvents<SwarmEngineEvents>();
  readonly manifest: Manifest;
  readonly localPeerId: string;
  readonly mode: SwarmMode;
  readonly #state: SwarmState;
  readonly #downloader: Downloader;
  readonly #uploader: Uploader;
  readonly #choking: ChokeControl;
  readonly #startedAtMs: number;
  #completedAtMs: number | undefined;

  constructor(deps: SwarmEngineDeps) {
    this.manifest = deps.manifest;
    this.localPeerId = deps.localPeerId;
    this.mode = deps.mode ?? 'p2p';
    const config = { ...DEFAULT_ENGINE_CONFIG, ...deps.config };
    const count = chunkCount(deps.manifest);
    const nowMs = deps.clock.nowMs();
    const have = new Bitfield(count);
    const picker = new PiecePicker(count, deps.random, config.randomFirstChunks);
    for (let index = 0; index < count; index++) {
      if (!deps.initialChunks?.has(index)) continue;
      have.set(index);
      picker.held(index);
    }
    this.#startedAtMs = nowMs;
    let superSeeder: SuperSeeder | undefined;
    if (have.isComplete) {
      this.#completedAtMs = nowMs;
      if (this.mode === 'p2p')
        superSeeder = new SuperSeeder(count, (i) => chunkLengthBytes(this.manifest, i), deps.random);
    }
    this.#state = {
      deps,
      config,
      mode: this.mode,
      events: this.events,
      timers: new NamedTimers(deps.clock),
      have,
      picker,
      holdings: new PeerHoldings(count),
      sessions: new Map(),
      superSeeder,
      destroyed: false,
      send: (session, message) => this.#send(session, message),
      drop: (session, reason, detail) => this.#drop(session, reason, detail),
    };
    const burst = (rate: number) => Math.max(config.blockBytes, rate * config.shapingBurstSec);
    const shaper = (rate: number | undefined) =>
      rate === undefined ? undefined : new LinkShaper(rate, burst(rate), nowMs);
    this.#uploader = new Uploader(this.#state, shaper(deps.linkCaps?.uploadBytesPerSec), () =>
      this.#choking.offerChunks(),
    );
    this.#downloader = new Downloader(this.#state, shaper(deps.linkCaps?.downloadBytesPerSec), () =>
      this.#onComplete(),
    );
    this.#choking = new ChokeControl(this.#state, this.#uploader);
    const { timers } = this.#state;
    timers.every('tick', config.tickMs, () => this.#tick());
    timers.every('rechoke', config.rechokeIntervalMs, () => this.#choking.rechoke());
    timers.every('idle-unchoke', config.idleUnchokeAfterMs, () => this.#choking.unchokeWhileIdle());
  }

  get isComplete(): boolean {
    return this.#state.have.isComplete;
  }

  /** True while this seeder hides its chunks and offers each peer a distinct one (see `SuperSeeder`). */
  get isSuperSeeding(): boolean {
    return this.#choking.superSeeding;
  }

  /** Starts speaking the protocol on a new link. */
  addLink(link: PeerLink): void {
    const { sessions, have, holdings, deps } = this.#state;
    if (this.#state.destroyed) return link.close();
    if (sessions.has(link.remotePeerId) || link.remotePeerId === this.localPeerId) return link.close();
    const session = new PeerSession(link, holdings.addPeer(), deps.clock.nowMs());
    sessions.set(link.remotePeerId, session);
    // Our handshake and bitfield go out before anything else, even replies to messages already queued.
    this.#send(session, {
      type: 'handshake',
      protocolVersion: PROTOCOL_VERSION,
      contentId: deps.contentId,
      peerId: this.localPeerId,
    });
    const advertised = this.isSuperSeeding ? new Bitfield(have.chunkCount) : have;
    this.#send(session, { type: 'bitfield', bits: advertised.toBytes() });
    link.attach(new SessionHandlers(this, session));
  }

  /** Closes every link and stops all timers. */
  destroy(): void {
    this.#state.destroyed = true;
    this.#state.timers.cancelAll();
    const { sessions } = this.#state;
    for (const session of [...sessions.values()]) session.link.close();
    sessions.clear();
  }

  /** A copy of the state the UI shows; cheap enough to call a few times per second. */
  snapshot(): SwarmSnapshot {
    const { deps, sessions, holdings, have } = this.#state;
    const nowMs = deps.clock.nowMs();
    const peers: PeerSnapshot[] = [...sessions.values()]
      .filter((session) => session.handshakeDone)
      .map((session) => ({
        peerId: session.peerId,
        bits: holdings.toBitfield(session.holdingsColumn).toBytes(),
        chunksHeld: holdings.count(session.holdingsColumn),
        uploadedBytes: session.upload.totalBytes,
        downloadedBytes: session.download.totalBytes,
        uploadBytesPerSec: session.upload.bytesPerSec(nowMs),
        downloadBytesPerSec: session.download.bytesPerSec(nowMs),
        amChoking: session.amChoking,
        amInterested: session.amInterested,
        peerChoking: session.peerChoking,
        peerInterested: session.peerInterested,
        snubbed: session.snubbed,
        outstandingRequests: session.outstanding.size,
      }));
    return {
      localPeerId: this.localPeerId,
      mode: this.mode,
      superSeeding: this.isSuperSeeding,
      chunkCount: have.chunkCount,
      bits: have.toBytes(),
      chunksHeld: have.count,
      complete: have.isComplete,
      uploadedBytes: this.#uploader.meter.totalBytes,
      downloadedBytes: this.#downloader.meter.totalBytes,
      uploadBytesPerSec: this.#uploader.meter.bytesPerSec(nowMs),
      downloadBytesPerSec: this.#downloader.meter.bytesPerSec(nowMs),
      startedAtMs: this.#startedAtMs,
      completedAtMs: this.#completedAtMs,
      peers,
    };
  }

  // ── messages ────────────────────────────────────────────────────────────────────────────────────

  static {
    route = {
      message: (engine, session, bytes) => engine.#onMessage(session, bytes),
      decoded: (engine, session, message) => engine.#onDecoded(session, message),
      drain: (engine, session) => engine.#uploader.queue(session),
      close: (engine, session, reason) => engine.#onClose(session, reason),
    };
  }

  #onMessage(session: PeerSession, bytes: Uint8Array): void {
    if (this.#state.destroyed || session.closed) return;
    const decoded = decodeWireMessage(bytes);
    if (!decoded.ok) return this.#drop(session, 'protocol-violation', decoded.error.message);
    this.#onDecoded(session, decoded.message);
  }

  #onDecoded(session: PeerSession, message: WireMessage): void {
    if (this.#state.destroyed || session.closed) return;
    if (!session.handshakeDone) {
      if (message.type !== 'handshake')
        return this.#drop(session, 'protocol-violation', `${message.type} before handshake`);
      return this.#onHandshake(session, message.protocolVersion, message.contentId, message.peerId);
    }
    switch (message.type) {
      case 'handshake':
        return this.#drop(session, 'protocol-violation', 'second handshake');
      case 'bitfield':
        return this.#onBitfield(session, message.bits);
      case 'have':
        return this.#onHave(session, message.chunkIndex);
      case 'interested':
        session.peerInterested = true;
        return this.#choking.unchokeIfSlotFree(session);
      case 'not-interested':
        // The slot stays until the next rechoke: it often wants something again soon (a new offer, a new have).
        session.peerInterested = false;
        return;
      case 'choke':
        session.peerChoking = true;
        return this.#downloader.releaseAll(session);
      case 'unchoke':
        session.peerChoking = false;
        session.lastProgressAtMs = this.#state.deps.clock.nowMs();
        return this.#downloader.fillRequests(session);
      case 'request':
        return this.#uploader.onRequest(session, message);
      case 'cancel':
        return this.#uploader.onCancel(session, message);
      case 'reject':
        return this.#downloader.onReject(session, message.chunkIndex, message.offsetBytes);
      case 'block':
        return this.#downloader.onBlock(session, message);
    }
  }

  #onHandshake(session: PeerSession, protocolVersion: number, contentId: string, peerId: string): void {
    if (protocolVersion !== PROTOCOL_VERSION)
      return this.#drop(
        session,
        'handshake-mismatch',
        `protocol version ${protocolVersion}, expected ${PROTOCOL_VERSION}`,
      );
    if (contentId !== this.#state.deps.contentId)
      return this.#drop(session, 'handshake-mismatch', 'peer serves another file');
    if (peerId !== session.peerId) return this.#drop(session, 'handshake-mismatch', `peer calls itself ${peerId}`);
    session.handshakeDone = true;
    this.events.emit('peer-connected', { peerId });
    if (this.isSuperSeeding) {
      this.#choking.unchokeIfSlotFree(session);
      this.#choking.offerChunks();
    }
  }

  #onBitfield(session: PeerSession, bytes: Uint8Array): void {
    if (session.bitfieldReceived || this.#state.holdings.count(session.holdingsColumn) > 0)
      return this.#drop(session, 'protocol-violation', 'bitfield after the first have or bitfield');
    const bits = Bitfield.fromBytes(bytes, this.#state.have.chunkCount);
    if (!bits) return this.#drop(session, 'protocol-violation', 'bitfield has the wrong length or spare bits set');
    session.bitfieldReceived = true;
    for (let index = 0; index < bits.chunkCount; index++) if (bits.has(index)) this.#peerGained(session, index);
    this.#downloader.updateInterest(session);
    this.#downloader.fillRequests(session);
  }

  #onHave(session: PeerSession, chunkIndex: number): void {
    if (chunkIndex >= this.#state.have.chunkCount)
      return this.#drop(session, 'protocol-violation', `have ${chunkIndex} out of range`);
    session.bitfieldReceived = true;
    if (this.#state.holdings.has(session.holdingsColumn, chunkIndex)) return;
    this.#peerGained(session, chunkIndex);
    this.#downloader.updateInterest(session);
    this.#downloader.announced(session, chunkIndex);
  }

  #peerGained(session: PeerSession, chunkIndex: number): void {
    const { holdings, picker, have, superSeeder } = this.#state;
    holdings.set(session.holdingsColumn, chunkIndex);
    picker.peerGained(chunkIndex);
    if (!have.has(chunkIndex)) session.interestingChunks++;
    if (superSeeder?.active) {
      superSeeder.seenInSwarm(chunkIndex);
      if (!superSeeder.active) this.#choking.revealAll();
    }
  }

  #onComplete(): void {
    this.#completedAtMs = this.#state.deps.clock.nowMs();
    this.events.emit('complete', { elapsedMs: this.#completedAtMs - this.#startedAtMs });
    this.#choking.rechoke();
  }

  // ── lifecycle ───────────────────────────────────────────────────────────────────────────────────

  #onClose(session: PeerSession, reason: string): void {
    if (session.closed) return;
    const { sessions, superSeeder, holdings, picker } = this.#state;
    session.closed = true;
    sessions.delete(session.peerId);
    superSeeder?.withdraw(session.peerId);
    for (let index = 0; index < holdings.chunkCount; index++)
      if (holdings.has(session.holdingsColumn, index)) picker.peerLost(index);
    holdings.removePeer(session.holdingsColumn);
    this.#downloader.releaseAll(session);
    if (session.handshakeDone) this.events.emit('peer-disconnected', { peerId: session.peerId, reason });
    if (this.isSuperSeeding) this.#choking.offerChunks();
    else if (!session.amChoking) this.#choking.rechoke();
  }

  #drop(session: PeerSession, reason: DropReason, detail: string): void {
    this.events.emit('peer-dropped', { peerId: session.peerId, reason, detail });
    this.#onClose(session, `dropped: ${detail}`);
    session.link.close();
  }

  #send(session: PeerSession, message: WireMessage): void {
    if (session.closed) return;
    if (session.link.sendMessage) session.link.sendMessage(message);
    else session.link.send(encodeWireMessage(message));
  }

  /** Housekeeping: request time-outs and snubs, the refusal count's decay, stale super-seed offers. */
  #tick(): void {
    const nowMs = this.#state.deps.clock.nowMs();
    for (const session of this.#state.sessions.values()) {
      this.#downloader.expireRequests(session, nowMs);
      session.recentRejects /= 2;
    }
    this.#choking.expireOffers(nowMs);
    this.#downloader.fillAll();
  }
}
