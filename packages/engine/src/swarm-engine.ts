import {
  Bitfield,
  chunkCount,
  chunkLengthBytes,
  BLOCK_HEADER_BYTES,
  decodeWireMessage,
  encodeBlockInto,
  encodeWireMessage,
  MAX_BLOCK_BYTES,
  PROTOCOL_VERSION,
  type Manifest,
  type WireMessage,
} from '@swarmlab/protocol';
import { blockBytesProblem } from './block-size';
import { ChokeControl } from './choke-control';
import { ChunkAvailability } from './chunk-availability';
import type { Clock } from './clock';
import { Downloader } from './downloader';
import { DEFAULT_ENGINE_CONFIG } from './engine-config';
import type { SwarmEngineDeps } from './engine-deps';
import type { DropReason, SwarmEngineEvents } from './engine-events';
import { LinkShaper } from './link-shaper';
import { NamedTimers } from './named-timers';
import type { PeerLink } from './peer-link';
import { PeerSession } from './peer-session';
import { routeSessionsTo, SessionHandlers } from './session-handlers';
import { peerSnapshot, type SwarmSnapshot } from './snapshot';
import { StoredChunks } from './stored-chunks';
import { SuperSeeder } from './super-seeder';
import type { SwarmMode } from './swarm-mode';
import { TypedEvents } from './typed-events';
import { Uploader } from './uploader';

export type { ChunkHasher, SwarmEngineDeps } from './engine-deps';
export type { DropReason, SwarmEngineEvents } from './engine-events';

/**
 * One peer's side of a swarm: speaks the wire protocol on every link, downloads missing chunks in
 * pipelined blocks (random first, then rarest-first, endgame), verifies each chunk's SHA-256 before
 * keeping or offering it, chokes and unchokes like BitTorrent (tit-for-tat, optimistic unchoke,
 * super-seeding), and shapes its traffic to emulated link caps. Pure: no DOM, no Node, no transport.
 *
 * This class owns the links' lifecycle (each `PeerSession`: handshake, closing, drops) and records what
 * each neighbour announces (in `ChunkAvailability`); it routes each message to the part that handles it:
 * the `Downloader` (requests, blocks, verification), the `Uploader` (serving requests within the upload
 * cap) and `ChokeControl` (who may download from us). Each part gets only what it uses, as one typed
 * components object, and alone writes its own state (its fields of each peer: see `PeerDownloadState`,
 * `PeerUploadState`, `PeerChokeState`); all access to stored chunks goes through `StoredChunks`.
 */
/** Peer ids `SwarmEngine` remembers as dropped; the oldest is forgotten past them. */
const MAX_DROPPED_PEERS = 1024;

export class SwarmEngine {
  readonly events = new TypedEvents<SwarmEngineEvents>();
  readonly manifest: Manifest;
  readonly localPeerId: string;
  readonly mode: SwarmMode;
  readonly #contentId: string;
  readonly #clock: Clock;
  readonly #timers: NamedTimers;
  /** Connected peers by id (closed ones are removed). */
  readonly #sessions = new Map<string, PeerSession>();
  /** Peers dropped for misbehaving in this engine's run: a new link from one is closed (see `addLink`). */
  readonly #dropped = new Set<string>();
  readonly #chunks: StoredChunks;
  readonly #availability: ChunkAvailability;
  readonly #downloader: Downloader;
  readonly #uploader: Uploader;
  readonly #choking: ChokeControl;
  readonly #startedAtMs: number;
  #completedAtMs: number | undefined;
  /** Bytes sent to each peer id, kept after it leaves (`SwarmSnapshot.sentBytesByPeer`). */
  readonly #sentBytesByPeer = new Map<string, number>();
  /** `destroyed` is set by `destroy`: nothing more is sent or scheduled. The parts read it. */
  readonly #lifecycle = { destroyed: false };
  /** Every block sent over a link that copies on send is encoded here (`PeerLink.copiesOnSend`). */
  readonly #blockBuffer = new Uint8Array(BLOCK_HEADER_BYTES + MAX_BLOCK_BYTES);

  constructor(deps: SwarmEngineDeps) {
    this.manifest = deps.manifest;
    this.localPeerId = deps.localPeerId;
    this.mode = deps.mode ?? 'p2p';
    this.#contentId = deps.contentId;
    this.#clock = deps.clock;
    const config = { ...DEFAULT_ENGINE_CONFIG, ...deps.config };
    // Checked before anything is built: a block over the wire's limit threw on its first request, mid-run.
    const blockProblem = blockBytesProblem(config.blockBytes);
    if (blockProblem !== undefined) throw new RangeError(`SwarmEngine: ${blockProblem}`);
    const count = chunkCount(deps.manifest);
    const nowMs = deps.clock.nowMs();
    this.#chunks = new StoredChunks(deps.store, count, deps.initialChunks, (index) =>
      chunkLengthBytes(deps.manifest, index),
    );
    this.#availability = new ChunkAvailability(count, deps.random, config.randomFirstChunks);
    for (let index = 0; index < count; index++) if (this.#chunks.have.has(index)) this.#availability.weHold(index);
    this.#startedAtMs = nowMs;
    let superSeeder: SuperSeeder | undefined;
    const seeds = deps.seeds ?? this.#chunks.have.isComplete;
    if (this.#chunks.have.isComplete) {
      this.#completedAtMs = nowMs;
      if (this.mode === 'p2p' && seeds)
        superSeeder = new SuperSeeder(
          count,
          (i) => chunkLengthBytes(this.manifest, i),
          deps.random,
          Math.min(config.blockBytes, this.manifest.chunkBytes),
          {
            maxOffersPerPeer: config.seedUploadSlots,
            extraOfferBytesPerSec:
              deps.linkCaps?.uploadBytesPerSec === undefined
                ? Infinity
                : (config.superSeedExtraOfferShare * deps.linkCaps.uploadBytesPerSec) / config.seedUploadSlots,
          },
        );
    }
    const timers = (this.#timers = new NamedTimers(deps.clock));
    const burst = (rate: number) => Math.max(config.blockBytes, rate * config.shapingBurstSec);
    // One block in debt: a run's first block is not free (`LinkShaper`), so no run beats its bounds. No block is
    // larger than the file or its chunks: a 1,000-byte file at 10 kB/s waited a 64 KiB block's 6.5 s for its one
    // message, 33 times its bound (found by review).
    const firstBlockBytes = Math.min(config.blockBytes, this.manifest.chunkBytes, this.manifest.sizeBytes);
    const shaper = (rate: number | undefined) =>
      rate === undefined ? undefined : new LinkShaper(rate, burst(rate), nowMs, firstBlockBytes);
    // Each part's components are one object literal (not spread from a shared one): every engine's then
    // has the same hidden class, which keeps the parts' property loads monomorphic in a simulated swarm.
    const { have } = this.#chunks;
    const { holdings, counts } = this.#availability;
    const send = (session: PeerSession, message: WireMessage): void => this.#send(session, message);
    const drop = (session: PeerSession, reason: DropReason, detail: string): void =>
      this.#drop(session, reason, detail);
    this.#uploader = new Uploader({
      manifest: deps.manifest,
      config,
      rarestFirst: this.mode === 'p2p' && config.uploadRarestFirst,
      clock: deps.clock,
      timers,
      have,
      chunks: this.#chunks,
      counts,
      sessions: this.#sessions,
      shaper: shaper(deps.linkCaps?.uploadBytesPerSec),
      lifecycle: this.#lifecycle,
      send,
      drop,
      hides: (peerId, chunkIndex) => this.#choking.hides(peerId, chunkIndex),
      onBlockSent: (peerId, chunkIndex, offsetBytes, lengthBytes, newBytes, atMs) => {
        // Each byte once: what our reports claim we sent it (a block asked for again counted again).
        this.#sentBytesByPeer.set(peerId, (this.#sentBytesByPeer.get(peerId) ?? 0) + newBytes);
        this.#choking.blockSent(peerId, chunkIndex, offsetBytes, lengthBytes, atMs);
      },
      onReadFailed: (chunkIndex, error) => this.events.emit('chunk-unreadable', { chunkIndex, error }),
    });
    this.#downloader = new Downloader({
      manifest: deps.manifest,
      config,
      clock: deps.clock,
      timers,
      sha256: deps.sha256,
      have,
      chunks: this.#chunks,
      holdings,
      availability: this.#availability,
      sessions: this.#sessions,
      shaper: shaper(deps.linkCaps?.downloadBytesPerSec),
      events: this.events,
      lifecycle: this.#lifecycle,
      send,
      drop,
      onComplete: () => this.#onComplete(),
    });
    const uploadBytesPerSec = deps.linkCaps?.uploadBytesPerSec;
    this.#choking = new ChokeControl({
      mode: this.mode,
      config,
      // The open offers share the capped link, a block each in turn: at 10 kB/s a 32 KiB block leaves every
      // 3.3 s, so each offer progresses every 6.6 s. A shorter wait withdrew every offer before its next block
      // and offered it again from nothing, for ever: a slow run never finished.
      // Nor may it be shorter than two of the slowest requester's gaps: a leecher whose download is capped at
      // the least a run allows asks for a block every 3.3 s, and a tick in between withdrew its offer and sent
      // the chunk again to another, the file 1.7 times before every chunk was in the swarm.
      offerTimeoutMs: Math.max(
        config.superSeedOfferTimeoutMs,
        (2 * config.blockBytes * 1000) / config.slowestCapBytesPerSec,
        uploadBytesPerSec === undefined
          ? 0
          : (2 * config.seedUploadSlots * config.blockBytes * 1000) / uploadBytesPerSec,
      ),
      uploads: this.mode === 'p2p' || seeds,
      clock: deps.clock,
      random: deps.random,
      have,
      sessions: this.#sessions,
      superSeeder,
      upload: this.#uploader,
      send,
    });
    timers.every('tick', config.tickMs, () => this.#tick());
    timers.every('rechoke', config.rechokeIntervalMs, () => this.#choking.rechoke());
    timers.every('idle-unchoke', config.idleUnchokeAfterMs, () => this.#choking.unchokeWhileIdle());
  }

  get isComplete(): boolean {
    return this.#chunks.have.isComplete;
  }

  /** True while this seeder hides its chunks and offers each peer a distinct one (see `SuperSeeder`). */
  get isSuperSeeding(): boolean {
    return this.#choking.superSeeding;
  }

  /**
   * Starts speaking the protocol on a new link; one from a peer this engine dropped for misbehaving is closed
   * at once: a fresh connection gave it a new session, its bad blocks and floods forgotten, and its smart-ban
   * charges lost (found by review). A new run's engine lets it try again.
   */
  addLink(link: PeerLink): void {
    const sessions = this.#sessions;
    if (this.#lifecycle.destroyed) return link.close();
    if (sessions.has(link.remotePeerId) || link.remotePeerId === this.localPeerId) return link.close();
    if (this.#dropped.has(link.remotePeerId)) return link.close();
    // Convicted while away (a good copy proved its blocks bad after it left): as dropped, it is not taken back.
    if (this.#downloader.convicted(link.remotePeerId)) {
      this.#rememberDropped(link.remotePeerId);
      return link.close();
    }
    const session = new PeerSession(link, this.#availability.addPeer(), this.#clock.nowMs());
    sessions.set(link.remotePeerId, session);
    // Our handshake and bitfield go out before anything else, even replies to messages already queued.
    this.#send(session, {
      type: 'handshake',
      protocolVersion: PROTOCOL_VERSION,
      contentId: this.#contentId,
      peerId: this.localPeerId,
    });
    const { have } = this.#chunks;
    const advertised = this.isSuperSeeding ? new Bitfield(have.chunkCount).toBytes() : have.toBytes();
    this.#send(session, { type: 'bitfield', bits: advertised });
    link.attach(new SessionHandlers(this, session));
  }

  /** Closes every link and stops all timers. */
  destroy(): void {
    this.#lifecycle.destroyed = true;
    this.#timers.cancelAll();
    const sessions = this.#sessions;
    for (const session of [...sessions.values()]) session.link.close();
    sessions.clear();
  }

  /** A copy of the state the UI shows; cheap enough to call a few times per second. */
  snapshot(): SwarmSnapshot {
    const { have } = this.#chunks;
    const nowMs = this.#clock.nowMs();
    const peers = [...this.#sessions.values()]
      .filter((session) => session.handshakeDone)
      .map((session) => peerSnapshot(session, this.#availability.holdings, nowMs));
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
      sentBytesByPeer: new Map(this.#sentBytesByPeer),
      uploadBytesPerSec: this.#uploader.meter.bytesPerSec(nowMs),
      downloadBytesPerSec: this.#downloader.meter.bytesPerSec(nowMs),
      startedAtMs: this.#startedAtMs,
      completedAtMs: this.#completedAtMs,
      peers,
    };
  }

  // ── messages ────────────────────────────────────────────────────────────────────────────────────

  static {
    routeSessionsTo({
      message: (engine, session, bytes) => engine.#onMessage(session, bytes),
      decoded: (engine, session, message) => engine.#onDecoded(session, message),
      drain: (engine, session) => engine.#uploader.queue(session),
      close: (engine, session, reason) => engine.#onClose(session, reason),
    });
  }

  #onMessage(session: PeerSession, bytes: Uint8Array): void {
    if (this.#lifecycle.destroyed || session.closed) return;
    const decoded = decodeWireMessage(bytes);
    if (!decoded.ok) return this.#drop(session, 'protocol-violation', decoded.error.message);
    this.#onDecoded(session, decoded.message);
  }

  #onDecoded(session: PeerSession, message: WireMessage): void {
    if (this.#lifecycle.destroyed || session.closed) return;
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
      case 'have-all':
        return this.#onHaveAll(session);
      case 'interested':
        return this.#choking.onInterested(session);
      case 'not-interested':
        return this.#choking.onNotInterested(session);
      case 'choke':
        return this.#downloader.onChoke(session);
      case 'unchoke':
        return this.#downloader.onUnchoke(session);
      case 'request':
        this.#uploader.onRequest(session, message);
        // After: a request that drops the peer (out of range, a flood) does not bring it back to a super-seeder.
        if (!session.closed) this.#choking.requestReceived(session.peerId);
        return;
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
        'protocol-version',
        `protocol version ${protocolVersion}, expected ${PROTOCOL_VERSION}`,
      );
    if (contentId !== this.#contentId) return this.#drop(session, 'handshake-mismatch', 'peer serves another file');
    if (peerId !== session.peerId) return this.#drop(session, 'handshake-mismatch', `peer calls itself ${peerId}`);
    session.handshakeDone = true;
    this.events.emit('peer-connected', { peerId });
    this.#choking.onHandshake(session);
  }

  #onBitfield(session: PeerSession, bytes: Uint8Array): void {
    if (session.bitfieldReceived || this.#availability.holdings.count(session.holdingsColumn) > 0)
      return this.#drop(session, 'protocol-violation', 'bitfield after the first have or bitfield');
    const bits = Bitfield.fromBytes(bytes, this.#chunks.have.chunkCount);
    if (!bits) return this.#drop(session, 'protocol-violation', 'bitfield has the wrong length or spare bits set');
    session.bitfieldReceived = true;
    for (let index = 0; index < bits.chunkCount; index++) {
      if (!bits.has(index)) continue;
      this.#peerGained(session, index);
      // What a chunk gained sends (a super-seeder's next offer) may fail and close the session: its holdings
      // column is then free, and the rest of its bits would be another peer's.
      if (session.closed) return;
    }
    this.#downloader.updateInterest(session);
    this.#downloader.fillRequests(session);
  }

  #onHave(session: PeerSession, chunkIndex: number): void {
    if (chunkIndex >= this.#chunks.have.chunkCount)
      return this.#drop(session, 'protocol-violation', `have ${chunkIndex} out of range`);
    session.bitfieldReceived = true;
    if (this.#availability.holdings.has(session.holdingsColumn, chunkIndex)) return;
    this.#peerGained(session, chunkIndex);
    if (session.closed) return;
    this.#downloader.updateInterest(session);
    this.#downloader.announced(session, chunkIndex);
  }

  /**
   * The peer holds every chunk (a super-seeder's reveal): each it had not announced counts as its `have` would, and
   * its pipeline is filled once, not once a chunk. Repeated, it costs nothing: a peer known to hold every chunk is
   * not walked again.
   */
  #onHaveAll(session: PeerSession): void {
    session.bitfieldReceived = true;
    const { holdings } = this.#availability;
    const { chunkCount } = this.#chunks.have;
    if (holdings.count(session.holdingsColumn) === chunkCount) return;
    for (let index = 0; index < chunkCount; index++) {
      if (holdings.has(session.holdingsColumn, index)) continue;
      this.#peerGained(session, index);
      if (session.closed) return;
    }
    this.#downloader.updateInterest(session);
    this.#downloader.fillRequests(session);
  }

  #peerGained(session: PeerSession, chunkIndex: number): void {
    this.#availability.announced(session.holdingsColumn, chunkIndex);
    this.#downloader.peerGained(session, chunkIndex);
    this.#choking.chunkAnnounced(session.peerId, chunkIndex);
  }

  #onComplete(): void {
    this.#completedAtMs = this.#clock.nowMs();
    this.events.emit('complete', { elapsedMs: this.#completedAtMs - this.#startedAtMs });
    this.#choking.rechoke();
  }

  // ── lifecycle ───────────────────────────────────────────────────────────────────────────────────

  #onClose(session: PeerSession, reason: string): void {
    if (session.closed) return;
    session.closed = true;
    this.#sessions.delete(session.peerId);
    this.#availability.removePeer(session.holdingsColumn);
    this.#downloader.releaseAll(session);
    if (session.handshakeDone) this.events.emit('peer-disconnected', { peerId: session.peerId, reason });
    this.#choking.onClosed(session);
  }

  #drop(session: PeerSession, reason: DropReason, detail: string): void {
    this.events.emit('peer-dropped', { peerId: session.peerId, reason, detail });
    this.#rememberDropped(session.link.remotePeerId);
    this.#onClose(session, `dropped: ${detail}`);
    session.link.close();
  }

  /** `peerId` is dropped for this engine's life. Bounded: a swarm's members are, and a peer id is one member's. */
  #rememberDropped(peerId: string): void {
    if (this.#dropped.size >= MAX_DROPPED_PEERS) this.#dropped.delete(this.#dropped.values().next().value!);
    this.#dropped.add(peerId);
  }

  #send(session: PeerSession, message: WireMessage): void {
    // Nothing once destroyed: the links it closes one by one told the choke control of each close, which unchoked
    // (or offered chunks to) the peers whose links were still open (found by review).
    if (session.closed || this.#lifecycle.destroyed) return;
    const { link } = session;
    if (link.sendMessage) link.sendMessage(message);
    else if (message.type === 'block' && link.copiesOnSend) link.send(encodeBlockInto(this.#blockBuffer, message));
    else link.send(encodeWireMessage(message));
  }

  /** Housekeeping: request time-outs and snubs, the refusal count's decay, stale super-seed offers. */
  #tick(): void {
    const nowMs = this.#clock.nowMs();
    for (const session of this.#sessions.values()) {
      this.#downloader.expireRequests(session, nowMs);
      this.#uploader.decayRejects(session);
    }
    this.#choking.expireOffers(nowMs);
    this.#downloader.fillAll();
  }
}
