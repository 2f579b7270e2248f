import {
  Bitfield,
  chunkCount,
  chunkLengthBytes,
  decodeWireMessage,
  encodeWireMessage,
  PROTOCOL_VERSION,
  toHex,
  type BlockMessage,
  type BlockRange,
  type Manifest,
  type WireMessage,
} from '@swarmlab/protocol';
import { ChunkAssembly, type BlockSlot } from './chunk-assembly';
import type { ChunkStore } from './chunk-store';
import { planLeecherUnchokes, planSeederUnchokes, type ChokeCandidate } from './choker';
import type { CancelTimer, Clock } from './clock';
import { DEFAULT_ENGINE_CONFIG, type EngineConfig } from './engine-config';
import type { PeerLink } from './peer-link';
import { blockKey, PeerSession } from './peer-session';
import { PeerHoldings } from './peer-holdings';
import { PiecePicker } from './piece-picker';
import type { Random } from './random';
import { RateMeter } from './rate-meter';
import type { PeerSnapshot, SwarmSnapshot } from './snapshot';
import { SmartBan, type BadBlocks } from './smart-ban';
import { SuperSeeder } from './super-seeder';
import type { LinkCaps, SwarmMode } from './swarm-mode';
import { TokenBucket } from './token-bucket';
import { TypedEvents } from './typed-events';

/** SHA-256 of a chunk; may answer synchronously (the simulator does) or through a promise (WebCrypto). */
export type ChunkHasher = (bytes: Uint8Array) => Uint8Array | Promise<Uint8Array>;

/** Everything the engine needs, passed as one object so each runtime injects its own. */
export interface SwarmEngineDeps {
  readonly manifest: Manifest;
  readonly contentId: string;
  readonly localPeerId: string;
  readonly store: ChunkStore;
  /** Chunks already in `store` (verified), e.g. every chunk for the seeder. */
  readonly initialChunks?: Bitfield;
  readonly clock: Clock;
  readonly random: Random;
  readonly sha256: ChunkHasher;
  /** `p2p` unless said otherwise; must be the same for every peer of a swarm. */
  readonly mode?: SwarmMode;
  /** Emulated access link; unlimited when absent. */
  readonly linkCaps?: LinkCaps;
  readonly config?: Partial<EngineConfig>;
}

/** Why a peer was disconnected by us. */
export type DropReason = 'protocol-violation' | 'bad-blocks' | 'request-flood' | 'handshake-mismatch';

export interface SwarmEngineEvents {
  'peer-connected': (event: { peerId: string }) => void;
  'peer-disconnected': (event: { peerId: string; reason: string }) => void;
  'peer-dropped': (event: { peerId: string; reason: DropReason; detail: string }) => void;
  'chunk-verified': (event: { chunkIndex: number }) => void;
  'chunk-rejected': (event: { chunkIndex: number; senders: string[] }) => void;
  complete: (event: { elapsedMs: number }) => void;
}

/**
 * One peer's side of a swarm: speaks the wire protocol on every link, downloads missing chunks in
 * pipelined blocks (random first, then rarest-first, endgame), verifies each chunk's SHA-256 before
 * keeping or offering it, chokes and unchokes like BitTorrent (tit-for-tat, optimistic unchoke,
 * super-seeding), and shapes its traffic to emulated link caps. Pure: no DOM, no Node, no transport.
 */
export class SwarmEngine {
  readonly events = new TypedEvents<SwarmEngineEvents>();
  readonly manifest: Manifest;
  readonly localPeerId: string;
  readonly mode: SwarmMode;
  readonly #deps: SwarmEngineDeps;
  readonly #config: EngineConfig;
  readonly #have: Bitfield;
  readonly #picker: PiecePicker;
  readonly #holdings: PeerHoldings;
  readonly #sessions = new Map<string, PeerSession>();
  readonly #inProgress = new Map<number, ChunkAssembly>();
  readonly #smartBan = new SmartBan();
  readonly #upload = new RateMeter();
  readonly #download = new RateMeter();
  readonly #uploadBucket: TokenBucket | undefined;
  readonly #downloadBucket: TokenBucket | undefined;
  readonly #uploadReady = new Set<PeerSession>();
  readonly #rarestFirstUploads: boolean;
  #requestSeq = 0;
  readonly #startedAtMs: number;
  #superSeeder: SuperSeeder | undefined;
  #revealed = false;
  #optimistic: string[] = [];
  #rechokes = 0;
  #lastUploadAtMs = -Infinity;
  #completedAtMs: number | undefined;
  /** Pending timers by purpose; each purpose has at most one, so nothing accumulates in long runs. */
  readonly #timers = new Map<string, CancelTimer>();
  #uploadWakeScheduled = false;
  #downloadWakeScheduled = false;
  #destroyed = false;

  constructor(deps: SwarmEngineDeps) {
    this.#deps = deps;
    this.manifest = deps.manifest;
    this.localPeerId = deps.localPeerId;
    this.mode = deps.mode ?? 'p2p';
    this.#config = { ...DEFAULT_ENGINE_CONFIG, ...deps.config };
    this.#rarestFirstUploads = this.mode === 'p2p' && this.#config.uploadRarestFirst;
    const count = chunkCount(deps.manifest);
    const nowMs = deps.clock.nowMs();
    this.#have = new Bitfield(count);
    this.#picker = new PiecePicker(count, deps.random, this.#config.randomFirstChunks);
    this.#holdings = new PeerHoldings(count);
    for (let index = 0; index < count; index++) {
      if (!deps.initialChunks?.has(index)) continue;
      this.#have.set(index);
      this.#picker.held(index);
    }
    this.#startedAtMs = nowMs;
    if (this.#have.isComplete) {
      this.#completedAtMs = nowMs;
      if (this.mode === 'p2p')
        this.#superSeeder = new SuperSeeder(count, (i) => chunkLengthBytes(this.manifest, i), deps.random);
    }
    const burst = (rate: number) => Math.max(this.#config.blockBytes, rate * this.#config.shapingBurstSec);
    const { uploadBytesPerSec, downloadBytesPerSec } = deps.linkCaps ?? {};
    if (uploadBytesPerSec !== undefined)
      this.#uploadBucket = new TokenBucket(uploadBytesPerSec, burst(uploadBytesPerSec), nowMs);
    if (downloadBytesPerSec !== undefined)
      this.#downloadBucket = new TokenBucket(downloadBytesPerSec, burst(downloadBytesPerSec), nowMs);
    this.#every('tick', this.#config.tickMs, () => this.#tick());
    this.#every('rechoke', this.#config.rechokeIntervalMs, () => this.#rechoke());
    this.#every('idle-unchoke', this.#config.idleUnchokeAfterMs, () => this.#unchokeWhileIdle());
  }

  get isComplete(): boolean {
    return this.#have.isComplete;
  }

  /** True while this seeder hides its chunks and offers each peer a distinct one (see `SuperSeeder`). */
  get isSuperSeeding(): boolean {
    return this.#superSeeder?.active ?? false;
  }

  /** Starts speaking the protocol on a new link. */
  addLink(link: PeerLink): void {
    if (this.#destroyed) return link.close();
    if (this.#sessions.has(link.remotePeerId) || link.remotePeerId === this.localPeerId) return link.close();
    const session = new PeerSession(link, this.#holdings.addPeer(), this.#deps.clock.nowMs());
    this.#sessions.set(link.remotePeerId, session);
    // Our handshake and bitfield go out before anything else, even replies to messages already queued.
    this.#send(session, {
      type: 'handshake',
      protocolVersion: PROTOCOL_VERSION,
      contentId: this.#deps.contentId,
      peerId: this.localPeerId,
    });
    const advertised = this.isSuperSeeding ? new Bitfield(this.#have.chunkCount) : this.#have;
    this.#send(session, { type: 'bitfield', bits: advertised.toBytes() });
    link.attach({
      message: (bytes) => this.#onMessage(session, bytes),
      decoded: (message) => this.#onDecoded(session, message),
      drain: () => this.#queueUpload(session),
      close: (reason) => this.#onClose(session, reason),
    });
  }

  /** Closes every link and stops all timers. */
  destroy(): void {
    this.#destroyed = true;
    for (const cancel of this.#timers.values()) cancel();
    this.#timers.clear();
    for (const session of [...this.#sessions.values()]) session.link.close();
    this.#sessions.clear();
  }

  /** A copy of the state the UI shows; cheap enough to call a few times per second. */
  snapshot(): SwarmSnapshot {
    const nowMs = this.#deps.clock.nowMs();
    const peers: PeerSnapshot[] = [...this.#sessions.values()]
      .filter((session) => session.handshakeDone)
      .map((session) => ({
        peerId: session.peerId,
        bits: this.#holdings.toBitfield(session.slot).toBytes(),
        chunksHeld: this.#holdings.count(session.slot),
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
      chunkCount: this.#have.chunkCount,
      bits: this.#have.toBytes(),
      chunksHeld: this.#have.count,
      complete: this.#have.isComplete,
      uploadedBytes: this.#upload.totalBytes,
      downloadedBytes: this.#download.totalBytes,
      uploadBytesPerSec: this.#upload.bytesPerSec(nowMs),
      downloadBytesPerSec: this.#download.bytesPerSec(nowMs),
      startedAtMs: this.#startedAtMs,
      completedAtMs: this.#completedAtMs,
      peers,
    };
  }

  // ── messages ────────────────────────────────────────────────────────────────────────────────────

  #onMessage(session: PeerSession, bytes: Uint8Array): void {
    if (this.#destroyed || session.closed) return;
    const decoded = decodeWireMessage(bytes);
    if (!decoded.ok) return this.#drop(session, 'protocol-violation', decoded.error.message);
    this.#onDecoded(session, decoded.message);
  }

  #onDecoded(session: PeerSession, message: WireMessage): void {
    if (this.#destroyed || session.closed) return;
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
        return this.#unchokeIfSlotFree(session);
      case 'not-interested':
        // The slot stays until the next rechoke: it often wants something again soon (a new offer, a new have).
        session.peerInterested = false;
        return;
      case 'choke':
        session.peerChoking = true;
        return this.#releaseAll(session);
      case 'unchoke':
        session.peerChoking = false;
        session.lastProgressAtMs = this.#deps.clock.nowMs();
        return this.#fillRequests(session);
      case 'request':
        return this.#onRequest(session, message);
      case 'cancel': {
        const index = session.uploadQueue.findIndex(
          (r) => r.chunkIndex === message.chunkIndex && r.offsetBytes === message.offsetBytes,
        );
        if (index >= 0) session.uploadQueue.splice(index, 1);
        return;
      }
      case 'reject':
        return this.#onReject(session, message.chunkIndex, message.offsetBytes);
      case 'block':
        return this.#onBlock(session, message);
    }
  }

  #onHandshake(session: PeerSession, protocolVersion: number, contentId: string, peerId: string): void {
    if (protocolVersion !== PROTOCOL_VERSION)
      return this.#drop(
        session,
        'handshake-mismatch',
        `protocol version ${protocolVersion}, expected ${PROTOCOL_VERSION}`,
      );
    if (contentId !== this.#deps.contentId)
      return this.#drop(session, 'handshake-mismatch', 'peer serves another file');
    if (peerId !== session.peerId) return this.#drop(session, 'handshake-mismatch', `peer calls itself ${peerId}`);
    session.handshakeDone = true;
    this.events.emit('peer-connected', { peerId });
    if (this.isSuperSeeding) {
      this.#unchokeIfSlotFree(session);
      this.#offerChunks();
    }
  }

  #onBitfield(session: PeerSession, bytes: Uint8Array): void {
    if (session.bitfieldReceived || this.#holdings.count(session.slot) > 0)
      return this.#drop(session, 'protocol-violation', 'bitfield after the first have or bitfield');
    const bits = Bitfield.fromBytes(bytes, this.#have.chunkCount);
    if (!bits) return this.#drop(session, 'protocol-violation', 'bitfield has the wrong length or spare bits set');
    session.bitfieldReceived = true;
    for (let index = 0; index < bits.chunkCount; index++) if (bits.has(index)) this.#peerGained(session, index);
    this.#updateInterest(session);
    this.#fillRequests(session);
  }

  #onHave(session: PeerSession, chunkIndex: number): void {
    if (chunkIndex >= this.#have.chunkCount)
      return this.#drop(session, 'protocol-violation', `have ${chunkIndex} out of range`);
    session.bitfieldReceived = true;
    if (this.#holdings.has(session.slot, chunkIndex)) return;
    this.#peerGained(session, chunkIndex);
    this.#updateInterest(session);
    // Only the announced chunk can be new work for this peer; a full pipeline needs no new look.
    if (!this.#have.has(chunkIndex) && !this.#inProgress.has(chunkIndex)) this.#fillRequests(session);
  }

  #peerGained(session: PeerSession, chunkIndex: number): void {
    this.#holdings.set(session.slot, chunkIndex);
    this.#picker.peerGained(chunkIndex);
    if (!this.#have.has(chunkIndex)) session.interestingChunks++;
    if (this.#superSeeder?.active) {
      this.#superSeeder.seenInSwarm(chunkIndex);
      if (!this.#superSeeder.active) this.#revealAll();
    }
  }

  #peerLost(session: PeerSession, chunkIndex: number): void {
    if (!this.#holdings.unset(session.slot, chunkIndex)) return;
    this.#picker.peerLost(chunkIndex);
    if (!this.#have.has(chunkIndex)) session.interestingChunks--;
    this.#updateInterest(session);
  }

  // ── uploading ───────────────────────────────────────────────────────────────────────────────────

  #onRequest(session: PeerSession, request: BlockRange): void {
    const { chunkIndex, offsetBytes, lengthBytes } = request;
    if (chunkIndex >= this.#have.chunkCount || offsetBytes + lengthBytes > chunkLengthBytes(this.manifest, chunkIndex))
      return this.#drop(
        session,
        'protocol-violation',
        `request ${chunkIndex}:${offsetBytes}+${lengthBytes} out of range`,
      );
    if (session.uploadQueue.length >= this.#config.maxQueuedRequestsPerPeer)
      return this.#drop(session, 'request-flood', `more than ${this.#config.maxQueuedRequestsPerPeer} queued requests`);
    const hidden = this.isSuperSeeding && !this.#superSeeder!.isOffered(session.peerId, chunkIndex);
    if (session.amChoking || !this.#have.has(chunkIndex) || hidden) {
      if (++session.recentRejects > this.#config.maxQueuedRequestsPerPeer)
        return this.#drop(session, 'request-flood', `${session.recentRejects} refused requests in about a second`);
      return this.#send(session, { ...request, type: 'reject' });
    }
    session.uploadQueue.push({ chunkIndex, offsetBytes, lengthBytes, seq: this.#requestSeq++ });
    this.#queueUpload(session);
  }

  #queueUpload(session: PeerSession): void {
    if (session.uploadQueue.length === 0) return;
    this.#uploadReady.add(session);
    this.#pumpUploads();
  }

  /**
   * Sends blocks within the link caps. In p2p mode, requests for the chunks fewest of our neighbours hold
   * go first: we may be their only source nearby, and spreading the newest chunks fastest is what keeps
   * every upload in a large swarm busy to the end. Otherwise, and among equals, the oldest request goes
   * first, so a super-seeder finishes one offer before the next and a new offer's first request arrives
   * while the other is still being sent (a round robin would finish both at once, then idle a round trip).
   * A client-server seeder serves strictly oldest first: nothing starves.
   */
  #pumpUploads(): void {
    while (this.#uploadReady.size > 0 && !this.#destroyed) {
      const nowMs = this.#deps.clock.nowMs();
      if (this.#uploadBucket && this.#uploadBucket.msUntilAvailable(nowMs) > 0) return this.#wakeUploads(nowMs);
      const session = this.#nextUploadSession();
      if (!session) return;
      const request = session.uploadQueue.shift()!;
      if (session.uploadQueue.length === 0) this.#uploadReady.delete(session);
      const bytes = this.#deps.store
        .get(request.chunkIndex)!
        .subarray(request.offsetBytes, request.offsetBytes + request.lengthBytes);
      this.#uploadBucket?.tryTake(bytes.length, nowMs);
      this.#send(session, { type: 'block', chunkIndex: request.chunkIndex, offsetBytes: request.offsetBytes, bytes });
      session.upload.record(bytes.length, nowMs);
      this.#upload.record(bytes.length, nowMs);
      this.#lastUploadAtMs = nowMs;
      if (this.#superSeeder?.recordUpload(session.peerId, request.chunkIndex, bytes.length, nowMs)) this.#offerChunks();
    }
  }

  /** The peer whose queued request is oldest; peers whose send buffer is full wait for their drain. */
  #nextUploadSession(): PeerSession | undefined {
    let best: PeerSession | undefined;
    let bestSeq = Infinity;
    for (const session of this.#uploadReady) {
      const head = session.uploadQueue[0];
      const parked = session.link.bufferedBytes >= this.#config.sendHighWaterBytes;
      if (!head || parked || session.closed) {
        this.#uploadReady.delete(session);
        continue;
      }
      const rank = this.#rarestFirstUploads ? this.#picker.availability(head.chunkIndex) * 1e12 + head.seq : head.seq;
      if (rank < bestSeq) {
        best = session;
        bestSeq = rank;
      }
    }
    return best;
  }

  #wakeUploads(nowMs: number): void {
    if (this.#uploadWakeScheduled) return;
    this.#uploadWakeScheduled = true;
    const delayMs = this.#uploadBucket!.msUntilAvailable(nowMs);
    this.#timers.set(
      'upload-wake',
      this.#deps.clock.setTimer(delayMs, () => {
        this.#uploadWakeScheduled = false;
        this.#pumpUploads();
      }),
    );
  }

  // ── choking ─────────────────────────────────────────────────────────────────────────────────────

  /** May this peer upload at all? In client-server mode only the seeder does. */
  get #uploads(): boolean {
    return this.mode === 'p2p' || this.#deps.initialChunks?.isComplete === true;
  }

  #slots(): number {
    if (!this.#uploads) return 0;
    // The server serves everyone at once; a super-seeder lets everyone ask, but only for what it offered.
    if (this.mode === 'client-server' || this.isSuperSeeding) return Infinity;
    return this.#have.isComplete
      ? this.#config.seedUploadSlots
      : this.#config.uploadSlots + this.#config.optimisticSlots;
  }

  /** Slots in use: unchoked peers that want something from us. */
  #unchokedCount(): number {
    let count = 0;
    for (const session of this.#sessions.values()) if (!session.amChoking && session.peerInterested) count++;
    return count;
  }

  /** Fills a free slot at once instead of waiting for the next rechoke. */
  #unchokeIfSlotFree(session: PeerSession): void {
    const wants = session.peerInterested || this.isSuperSeeding;
    if (wants && session.amChoking && session.handshakeDone && this.#unchokedCount() < this.#slots())
      this.#unchoke(session);
  }

  #unchoke(session: PeerSession): void {
    session.amChoking = false;
    session.lastUnchokedAtMs = this.#deps.clock.nowMs();
    this.#send(session, { type: 'unchoke' });
  }

  #choke(session: PeerSession): void {
    session.amChoking = true;
    session.uploadQueue.length = 0;
    this.#send(session, { type: 'choke' });
  }

  /** Super-seeding: keeps `seedUploadSlots` offers open, each with a different peer, handed out in turn. */
  #offerChunks(): void {
    const seeder = this.#superSeeder;
    if (!seeder) return;
    if (!seeder.active) return this.#revealAll();
    const candidates = [...this.#sessions.values()].filter((s) => s.handshakeDone).map((s) => s.peerId);
    while (seeder.openOffers < this.#config.seedUploadSlots) {
      const offer = seeder.offerNext(candidates, this.#deps.clock.nowMs());
      if (!offer) return;
      this.#send(this.#sessions.get(offer.peerId)!, { type: 'have', chunkIndex: offer.chunkIndex });
    }
  }

  /** Every chunk has left the seeder once: announce them all and seed normally. */
  #revealAll(): void {
    if (this.#revealed) return;
    this.#revealed = true;
    for (const session of this.#sessions.values())
      for (let chunkIndex = 0; chunkIndex < this.#have.chunkCount; chunkIndex++)
        this.#send(session, { type: 'have', chunkIndex });
    this.#rechoke();
  }

  /**
   * An upload that sat idle for `idleUnchokeAfterMs` while choked peers want something gets one more
   * peer unchoked at once: reciprocation picks partners, but a link left idle helps nobody. The next
   * rechoke returns to the regular slots.
   */
  #unchokeWhileIdle(): void {
    if (this.mode !== 'p2p' || this.isSuperSeeding || this.#uploadReady.size > 0) return;
    const nowMs = this.#deps.clock.nowMs();
    if (nowMs - this.#lastUploadAtMs < this.#config.idleUnchokeAfterMs) return;
    const waiting = [...this.#sessions.values()].filter((s) => s.amChoking && s.peerInterested && s.handshakeDone);
    if (waiting.length === 0) return;
    this.#unchoke(waiting[Math.floor(this.#deps.random() * waiting.length)]!);
    // Give the newly unchoked peer a period to ask before unchoking another.
    this.#lastUploadAtMs = nowMs;
  }

  #rechoke(): void {
    if (!this.#uploads || this.isSuperSeeding) return;
    const nowMs = this.#deps.clock.nowMs();
    const candidates: ChokeCandidate[] = [...this.#sessions.values()]
      .filter((s) => s.handshakeDone)
      .map((s) => ({
        peerId: s.peerId,
        interested: s.peerInterested,
        downloadBytesPerSec: s.download.bytesPerSec(nowMs),
        snubbed: s.snubbed,
        // A peer unchoked now counts as served now, so a seeder's round robin moves on from it.
        lastUnchokedAtMs: s.amChoking ? s.lastUnchokedAtMs : nowMs,
      }));
    let unchoked: Set<string>;
    if (this.mode === 'client-server') {
      unchoked = new Set(candidates.filter((c) => c.interested).map((c) => c.peerId));
    } else if (this.#have.isComplete) {
      unchoked = new Set(planSeederUnchokes(candidates, this.#config.seedUploadSlots, this.#deps.random));
    } else {
      const rotate = this.#rechokes++ % this.#config.optimisticRotationRechokes === 0;
      const plan = planLeecherUnchokes(candidates, {
        uploadSlots: this.#config.uploadSlots,
        optimisticSlots: this.#config.optimisticSlots,
        keepOptimistic: rotate ? [] : this.#optimistic,
        random: this.#deps.random,
      });
      this.#optimistic = plan.optimistic;
      unchoked = new Set([...plan.regular, ...plan.optimistic]);
    }
    for (const session of this.#sessions.values()) {
      if (unchoked.has(session.peerId) && session.amChoking) this.#unchoke(session);
      else if (!unchoked.has(session.peerId) && !session.amChoking) this.#choke(session);
    }
  }

  // ── downloading ─────────────────────────────────────────────────────────────────────────────────

  /** Tells the peer whether it has anything we lack. */
  #updateInterest(session: PeerSession): void {
    const interested = session.interestingChunks > 0 && !this.#have.isComplete;
    if (interested === session.amInterested) return;
    session.amInterested = interested;
    this.#send(session, { type: interested ? 'interested' : 'not-interested' });
  }

  /** Requests to keep in flight with a peer: its rate times (round trip + slack), within bounds. */
  #pipelineBlocks(session: PeerSession, nowMs: number): number {
    if (session.snubbed) return 1;
    const { minPipelineBlocks, maxPipelineBlocks, pipelineSlackMs, blockBytes } = this.#config;
    const roundTripMs = Number.isFinite(session.minRoundTripMs) ? session.minRoundTripMs : 0;
    const bytesInFlight = (session.download.bytesPerSec(nowMs) * (roundTripMs + pipelineSlackMs)) / 1000;
    return Math.min(maxPipelineBlocks, Math.max(minPipelineBlocks, Math.ceil(bytesInFlight / blockBytes) + 1));
  }

  #fillAll(): void {
    for (const session of this.#sessions.values()) this.#fillRequests(session);
  }

  /** Keeps a peer that unchoked us busy with pipelined requests, paced to our download cap. */
  #fillRequests(session: PeerSession): void {
    if (this.#destroyed || session.closed || !session.handshakeDone || session.peerChoking || !session.amInterested)
      return;
    const nowMs = this.#deps.clock.nowMs();
    const pipeline = this.#pipelineBlocks(session, nowMs);
    while (session.outstanding.size < pipeline) {
      if (this.#downloadBucket && this.#downloadBucket.msUntilAvailable(nowMs) > 0) return this.#wakeDownloads(nowMs);
      const next = this.#nextBlockFor(session);
      if (!next) return;
      const { assembly, slot } = next;
      this.#downloadBucket?.tryTake(slot.lengthBytes, nowMs);
      assembly.markRequested(slot.blockIndex, session.peerId);
      session.outstanding.set(blockKey(assembly.chunkIndex, slot.offsetBytes), {
        chunkIndex: assembly.chunkIndex,
        blockIndex: slot.blockIndex,
        lengthBytes: slot.lengthBytes,
        sentAtMs: nowMs,
      });
      this.#send(session, {
        type: 'request',
        chunkIndex: assembly.chunkIndex,
        offsetBytes: slot.offsetBytes,
        lengthBytes: slot.lengthBytes,
      });
    }
  }

  #wakeDownloads(nowMs: number): void {
    if (this.#downloadWakeScheduled) return;
    this.#downloadWakeScheduled = true;
    this.#timers.set(
      'download-wake',
      this.#deps.clock.setTimer(this.#downloadBucket!.msUntilAvailable(nowMs), () => {
        this.#downloadWakeScheduled = false;
        this.#fillAll();
      }),
    );
  }

  /** Partial chunks first, then a new chunk (random first, then rarest), then endgame duplicates. */
  #nextBlockFor(session: PeerSession): { assembly: ChunkAssembly; slot: BlockSlot } | undefined {
    for (const assembly of this.#inProgress.values()) {
      if (assembly.verifying || !assembly.hasMissing || !this.#holdings.has(session.slot, assembly.chunkIndex))
        continue;
      const slot = assembly.nextMissing();
      if (slot) return { assembly, slot };
    }
    const chunkIndex = this.#picker.pick(
      (index) => this.#holdings.has(session.slot, index) && !this.#inProgress.has(index) && !this.#have.has(index),
      this.#have.count,
    );
    if (chunkIndex !== undefined) {
      const lengthBytes = chunkLengthBytes(this.manifest, chunkIndex);
      const assembly = new ChunkAssembly(chunkIndex, lengthBytes, this.#config.blockBytes);
      this.#inProgress.set(chunkIndex, assembly);
      return { assembly, slot: assembly.nextMissing()! };
    }
    const inEndgame = this.#have.count + this.#inProgress.size === this.#have.chunkCount;
    if (!inEndgame) return undefined;
    for (const assembly of this.#inProgress.values()) {
      if (assembly.verifying || !this.#holdings.has(session.slot, assembly.chunkIndex)) continue;
      const slot = assembly.nextDuplicate(session.peerId, this.#config.endgameMaxRequestsPerBlock);
      if (slot) return { assembly, slot };
    }
    return undefined;
  }

  #onReject(session: PeerSession, chunkIndex: number, offsetBytes: number): void {
    const key = blockKey(chunkIndex, offsetBytes);
    const request = session.outstanding.get(key);
    if (!request) return; // a reject for a request we already gave up: harmless
    session.outstanding.delete(key);
    this.#inProgress.get(chunkIndex)?.release(request.blockIndex, session.peerId);
    // Refused while it does not choke us: it will not serve this chunk (a super-seeder's offer moved on,
    // say), so stop asking it for it. Refused because it chokes us: ask again once unchoked.
    if (!session.peerChoking) this.#peerLost(session, chunkIndex);
    this.#fillAll();
  }

  #onBlock(session: PeerSession, block: BlockMessage): void {
    const key = blockKey(block.chunkIndex, block.offsetBytes);
    const request = session.outstanding.get(key);
    if (!request) {
      if (session.takeGivenUp(key)) return; // crossed our cancel (or a choke) on the wire
      return this.#drop(
        session,
        'protocol-violation',
        `block ${block.chunkIndex}:${block.offsetBytes} was never requested`,
      );
    }
    if (block.bytes.length !== request.lengthBytes)
      return this.#drop(
        session,
        'protocol-violation',
        `block ${block.chunkIndex}:${block.offsetBytes} has ${block.bytes.length} bytes, requested ${request.lengthBytes}`,
      );
    session.outstanding.delete(key);
    const nowMs = this.#deps.clock.nowMs();
    session.download.record(block.bytes.length, nowMs);
    this.#download.record(block.bytes.length, nowMs);
    session.minRoundTripMs = Math.min(session.minRoundTripMs, nowMs - request.sentAtMs);
    session.lastProgressAtMs = nowMs;
    session.snubbed = false;
    const assembly = this.#inProgress.get(block.chunkIndex);
    if (assembly && !assembly.isReceived(request.blockIndex)) {
      for (const otherPeerId of assembly.receive(request.blockIndex, block.bytes, session.peerId)) {
        const other = this.#sessions.get(otherPeerId);
        if (other?.outstanding.delete(key)) {
          other.giveUp(key, nowMs);
          this.#send(other, {
            type: 'cancel',
            chunkIndex: block.chunkIndex,
            offsetBytes: block.offsetBytes,
            lengthBytes: request.lengthBytes,
          });
          this.#fillRequests(other);
        }
      }
      if (assembly.isComplete) this.#verify(assembly);
    }
    this.#fillRequests(session);
  }

  #verify(assembly: ChunkAssembly): void {
    assembly.verifying = true;
    const digest = this.#deps.sha256(assembly.buffer);
    if (digest instanceof Uint8Array) this.#onVerified(assembly, digest);
    else void digest.then((bytes) => this.#onVerified(assembly, bytes));
  }

  #onVerified(assembly: ChunkAssembly, digest: Uint8Array): void {
    if (this.#destroyed) return;
    const { chunkIndex } = assembly;
    this.#inProgress.delete(chunkIndex);
    if (toHex(digest) !== this.manifest.chunkSha256[chunkIndex]) {
      const senders = [...new Set(assembly.senders.filter((s): s is string => s !== undefined))];
      this.events.emit('chunk-rejected', { chunkIndex, senders });
      this.#penalise(this.#smartBan.failed(assembly));
      return this.#fillAll();
    }
    this.#penalise(this.#smartBan.verified(assembly));
    if (this.#have.has(chunkIndex)) return; // a second copy (endgame): the first one counted
    this.#deps.store.put(chunkIndex, assembly.buffer);
    this.#have.set(chunkIndex);
    this.#picker.held(chunkIndex);
    this.events.emit('chunk-verified', { chunkIndex });
    // Our handshake and bitfield went out when each link was added, so `have` is always in order.
    const have: WireMessage = { type: 'have', chunkIndex };
    const { suppressHaves } = this.#config;
    for (const session of this.#sessions.values()) {
      const held = this.#holdings.has(session.slot, chunkIndex);
      if (held) session.interestingChunks--;
      if (!(suppressHaves && held)) this.#send(session, have);
      this.#updateInterest(session);
    }
    if (this.#have.isComplete) {
      this.#completedAtMs = this.#deps.clock.nowMs();
      this.events.emit('complete', { elapsedMs: this.#completedAtMs - this.#startedAtMs });
      this.#rechoke();
    }
  }

  #penalise(badBlocks: BadBlocks): void {
    for (const [peerId, blocks] of badBlocks) {
      const session = this.#sessions.get(peerId);
      if (!session) continue;
      session.badBlocks += blocks;
      if (session.badBlocks >= this.#config.maxBadBlocksPerPeer)
        this.#drop(session, 'bad-blocks', `${session.badBlocks} blocks failed verification`);
    }
  }

  /** Gives up every request outstanding with a peer, so other peers can be asked. */
  #releaseAll(session: PeerSession): void {
    const nowMs = this.#deps.clock.nowMs();
    for (const [key, request] of session.outstanding) {
      this.#inProgress.get(request.chunkIndex)?.release(request.blockIndex, session.peerId);
      // A request that crossed a choke on the wire may still be served: its block is then no violation.
      session.giveUp(key, nowMs);
    }
    session.outstanding.clear();
    this.#fillAll();
  }

  // ── lifecycle ───────────────────────────────────────────────────────────────────────────────────

  #onClose(session: PeerSession, reason: string): void {
    if (session.closed) return;
    session.closed = true;
    this.#sessions.delete(session.peerId);
    this.#superSeeder?.withdraw(session.peerId);
    for (let index = 0; index < this.#holdings.chunkCount; index++)
      if (this.#holdings.has(session.slot, index)) this.#picker.peerLost(index);
    this.#holdings.removePeer(session.slot);
    this.#releaseAll(session);
    if (session.handshakeDone) this.events.emit('peer-disconnected', { peerId: session.peerId, reason });
    if (this.isSuperSeeding) this.#offerChunks();
    else if (!session.amChoking) this.#rechoke();
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

  #every(name: string, periodMs: number, task: () => void): void {
    const run = (): void => {
      if (this.#destroyed) return;
      task();
      this.#timers.set(name, this.#deps.clock.setTimer(periodMs, run));
    };
    this.#timers.set(name, this.#deps.clock.setTimer(periodMs, run));
  }

  /** Housekeeping: gives up requests that timed out and marks peers that stopped sending as snubbed. */
  #tick(): void {
    const nowMs = this.#deps.clock.nowMs();
    for (const session of this.#sessions.values()) {
      for (const [key, request] of session.outstanding) {
        if (nowMs - request.sentAtMs < this.#config.requestTimeoutMs) continue;
        session.outstanding.delete(key);
        session.giveUp(key, nowMs);
        this.#send(session, { type: 'cancel', chunkIndex: request.chunkIndex, ...this.#rangeOf(request) });
        this.#inProgress.get(request.chunkIndex)?.release(request.blockIndex, session.peerId);
      }
      session.recentRejects /= 2;
      for (const [key, entry] of session.cancelled)
        if (nowMs - entry.atMs > 2 * this.#config.requestTimeoutMs) session.cancelled.delete(key);
      const waiting = !session.peerChoking && session.outstanding.size > 0;
      if (waiting && nowMs - session.lastProgressAtMs > this.#config.snubTimeoutMs) session.snubbed = true;
    }
    if (this.#superSeeder?.active) {
      for (const peerId of this.#superSeeder.staleOffers(nowMs, this.#config.superSeedOfferTimeoutMs))
        this.#superSeeder.withdraw(peerId);
      this.#offerChunks();
    }
    this.#fillAll();
  }

  #rangeOf(request: { blockIndex: number; lengthBytes: number }): { offsetBytes: number; lengthBytes: number } {
    return { offsetBytes: request.blockIndex * this.#config.blockBytes, lengthBytes: request.lengthBytes };
  }
}
