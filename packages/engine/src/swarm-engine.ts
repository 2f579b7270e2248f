import {
  Bitfield,
  chunkCount,
  chunkLengthBytes,
  decodeWireMessage,
  encodeWireMessage,
  PROTOCOL_VERSION,
  toHex,
  type BlockMessage,
  type Manifest,
  type Sha256,
  type WireMessage,
} from '@swarmlab/protocol';
import { ChunkAssembly, type BlockSlot } from './chunk-assembly';
import type { ChunkStore } from './chunk-store';
import type { CancelTimer, Clock } from './clock';
import { DEFAULT_ENGINE_CONFIG, type EngineConfig } from './engine-config';
import type { PeerLink } from './peer-link';
import { blockKey, PeerSession } from './peer-session';
import { PiecePicker } from './piece-picker';
import type { Random } from './random';
import { RateMeter } from './rate-meter';
import type { PeerSnapshot, SwarmSnapshot } from './snapshot';
import { TypedEvents } from './typed-events';

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
  readonly sha256: Sha256;
  readonly config?: Partial<EngineConfig>;
}

/** Why a peer was disconnected by us. */
export type DropReason = 'protocol-violation' | 'hash-failures' | 'request-flood' | 'handshake-mismatch';

export interface SwarmEngineEvents {
  'peer-connected': (event: { peerId: string }) => void;
  'peer-disconnected': (event: { peerId: string; reason: string }) => void;
  'peer-dropped': (event: { peerId: string; reason: DropReason; detail: string }) => void;
  'chunk-verified': (event: { chunkIndex: number }) => void;
  'chunk-rejected': (event: { chunkIndex: number; contributors: string[] }) => void;
  complete: (event: { elapsedMs: number }) => void;
}

/**
 * One peer's side of a swarm: speaks the wire protocol on every link, downloads missing chunks in
 * pipelined blocks (rarest-first), verifies each chunk's SHA-256 before keeping or offering it, and
 * serves what it holds. Pure: no DOM, no Node, no transport.
 */
export class SwarmEngine {
  readonly events = new TypedEvents<SwarmEngineEvents>();
  readonly manifest: Manifest;
  readonly localPeerId: string;
  readonly #deps: SwarmEngineDeps;
  readonly #config: EngineConfig;
  readonly #have: Bitfield;
  readonly #picker: PiecePicker;
  readonly #sessions = new Map<string, PeerSession>();
  readonly #inProgress = new Map<number, ChunkAssembly>();
  readonly #upload = new RateMeter();
  readonly #download = new RateMeter();
  readonly #startedAtMs: number;
  #completedAtMs: number | undefined;
  #cancelTick: CancelTimer | undefined;
  #destroyed = false;

  constructor(deps: SwarmEngineDeps) {
    this.#deps = deps;
    this.manifest = deps.manifest;
    this.localPeerId = deps.localPeerId;
    this.#config = { ...DEFAULT_ENGINE_CONFIG, ...deps.config };
    const count = chunkCount(deps.manifest);
    this.#have = new Bitfield(count);
    for (let index = 0; index < count; index++) if (deps.initialChunks?.has(index)) this.#have.set(index);
    this.#picker = new PiecePicker(count, deps.random, this.#config.randomFirstChunks);
    this.#startedAtMs = deps.clock.nowMs();
    if (this.#have.isComplete) this.#completedAtMs = this.#startedAtMs;
    this.#scheduleTick();
  }

  get isComplete(): boolean {
    return this.#have.isComplete;
  }

  /** Starts speaking the protocol on a new link. */
  addLink(link: PeerLink): void {
    if (this.#destroyed) return link.close();
    if (this.#sessions.has(link.remotePeerId) || link.remotePeerId === this.localPeerId) return link.close();
    const session = new PeerSession(link, this.#have.chunkCount);
    this.#sessions.set(link.remotePeerId, session);
    link.attach({
      message: (bytes) => this.#onMessage(session, bytes),
      drain: () => this.#pumpUploads(session),
      close: (reason) => this.#onClose(session, reason),
    });
    this.#send(session, {
      type: 'handshake',
      protocolVersion: PROTOCOL_VERSION,
      contentId: this.#deps.contentId,
      peerId: this.localPeerId,
    });
    this.#send(session, { type: 'bitfield', bits: this.#have.toBytes() });
  }

  /** Closes every link and stops all timers. */
  destroy(): void {
    this.#destroyed = true;
    this.#cancelTick?.();
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
        bits: session.bits.toBytes(),
        chunksHeld: session.bits.count,
        uploadedBytes: session.upload.totalBytes,
        downloadedBytes: session.download.totalBytes,
        uploadBytesPerSec: session.upload.bytesPerSec(nowMs),
        downloadBytesPerSec: session.download.bytesPerSec(nowMs),
        amChoking: session.amChoking,
        amInterested: session.amInterested,
        peerChoking: session.peerChoking,
        peerInterested: session.peerInterested,
        outstandingRequests: session.outstanding.size,
      }));
    return {
      localPeerId: this.localPeerId,
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

  #onMessage(session: PeerSession, bytes: Uint8Array): void {
    if (this.#destroyed) return;
    const decoded = decodeWireMessage(bytes);
    if (!decoded.ok) return this.#drop(session, 'protocol-violation', decoded.error.message);
    const message = decoded.message;
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
        return this.#updateChoke(session);
      case 'not-interested':
        session.peerInterested = false;
        return this.#updateChoke(session);
      case 'choke':
        session.peerChoking = true;
        return this.#releaseAll(session);
      case 'unchoke':
        session.peerChoking = false;
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
  }

  #onBitfield(session: PeerSession, bytes: Uint8Array): void {
    if (session.bitfieldReceived || session.bits.count > 0)
      return this.#drop(session, 'protocol-violation', 'bitfield after the first have or bitfield');
    const bits = Bitfield.fromBytes(bytes, this.#have.chunkCount);
    if (!bits) return this.#drop(session, 'protocol-violation', 'bitfield has the wrong length or spare bits set');
    session.bitfieldReceived = true;
    for (let index = 0; index < bits.chunkCount; index++) if (bits.has(index)) this.#gainChunk(session, index);
    this.#updateInterest(session);
  }

  #onHave(session: PeerSession, chunkIndex: number): void {
    if (chunkIndex >= this.#have.chunkCount)
      return this.#drop(session, 'protocol-violation', `have ${chunkIndex} out of range`);
    session.bitfieldReceived = true;
    if (!session.bits.has(chunkIndex)) this.#gainChunk(session, chunkIndex);
    this.#updateInterest(session);
  }

  #gainChunk(session: PeerSession, chunkIndex: number): void {
    session.bits.set(chunkIndex);
    this.#picker.peerGained(chunkIndex);
  }

  #onRequest(session: PeerSession, request: { chunkIndex: number; offsetBytes: number; lengthBytes: number }): void {
    const { chunkIndex, offsetBytes, lengthBytes } = request;
    if (chunkIndex >= this.#have.chunkCount || offsetBytes + lengthBytes > chunkLengthBytes(this.manifest, chunkIndex))
      return this.#drop(
        session,
        'protocol-violation',
        `request ${chunkIndex}:${offsetBytes}+${lengthBytes} out of range`,
      );
    if (session.uploadQueue.length >= this.#config.maxQueuedRequestsPerPeer)
      return this.#drop(session, 'request-flood', `more than ${this.#config.maxQueuedRequestsPerPeer} queued requests`);
    if (session.amChoking || !this.#have.has(chunkIndex)) return this.#send(session, { type: 'reject', ...request });
    session.uploadQueue.push(request);
    this.#pumpUploads(session);
  }

  #pumpUploads(session: PeerSession): void {
    const nowMs = this.#deps.clock.nowMs();
    while (session.uploadQueue.length > 0 && session.link.bufferedBytes < this.#config.sendHighWaterBytes) {
      const request = session.uploadQueue.shift()!;
      const chunk = this.#deps.store.get(request.chunkIndex)!;
      const bytes = chunk.subarray(request.offsetBytes, request.offsetBytes + request.lengthBytes);
      this.#send(session, { type: 'block', chunkIndex: request.chunkIndex, offsetBytes: request.offsetBytes, bytes });
      session.upload.record(bytes.length, nowMs);
      this.#upload.record(bytes.length, nowMs);
    }
  }

  #onReject(session: PeerSession, chunkIndex: number, offsetBytes: number): void {
    const key = blockKey(chunkIndex, offsetBytes);
    const request = session.outstanding.get(key);
    if (!request) return; // a reject for a request we already gave up: harmless
    session.outstanding.delete(key);
    this.#inProgress.get(chunkIndex)?.release(request.blockIndex, session.peerId);
    this.#fillAll();
  }

  #onBlock(session: PeerSession, block: BlockMessage): void {
    const key = blockKey(block.chunkIndex, block.offsetBytes);
    const request = session.outstanding.get(key);
    if (!request) {
      if (session.cancelled.delete(key)) return; // crossed our cancel on the wire
      return this.#drop(session, 'protocol-violation', `block ${key} was never requested`);
    }
    if (block.bytes.length !== request.lengthBytes)
      return this.#drop(
        session,
        'protocol-violation',
        `block ${key} has ${block.bytes.length} bytes, requested ${request.lengthBytes}`,
      );
    session.outstanding.delete(key);
    const nowMs = this.#deps.clock.nowMs();
    session.download.record(block.bytes.length, nowMs);
    this.#download.record(block.bytes.length, nowMs);
    const assembly = this.#inProgress.get(block.chunkIndex);
    if (assembly && !assembly.isReceived(request.blockIndex)) {
      for (const otherPeerId of assembly.receive(request.blockIndex, block.bytes, session.peerId)) {
        const other = this.#sessions.get(otherPeerId);
        if (other?.outstanding.delete(key)) {
          other.cancelled.add(key);
          this.#send(other, {
            type: 'cancel',
            chunkIndex: block.chunkIndex,
            offsetBytes: block.offsetBytes,
            lengthBytes: request.lengthBytes,
          });
          this.#fillRequests(other);
        }
      }
      if (assembly.isComplete) void this.#verify(assembly);
    }
    this.#fillRequests(session);
  }

  async #verify(assembly: ChunkAssembly): Promise<void> {
    assembly.verifying = true;
    const digest = toHex(await this.#deps.sha256(assembly.buffer));
    if (this.#destroyed) return;
    this.#inProgress.delete(assembly.chunkIndex);
    if (digest !== this.manifest.chunkSha256[assembly.chunkIndex]) {
      this.events.emit('chunk-rejected', { chunkIndex: assembly.chunkIndex, contributors: [...assembly.contributors] });
      for (const peerId of assembly.contributors) {
        const session = this.#sessions.get(peerId);
        if (session && ++session.hashFailures >= this.#config.maxHashFailuresPerPeer)
          this.#drop(session, 'hash-failures', `${session.hashFailures} chunks failed their hash`);
      }
      return this.#fillAll();
    }
    this.#deps.store.put(assembly.chunkIndex, assembly.buffer);
    this.#have.set(assembly.chunkIndex);
    this.events.emit('chunk-verified', { chunkIndex: assembly.chunkIndex });
    for (const session of this.#sessions.values()) {
      // Our handshake and bitfield went out when the link was added, so `have` is always in order.
      this.#send(session, { type: 'have', chunkIndex: assembly.chunkIndex });
      this.#updateInterest(session);
    }
    if (this.#have.isComplete) {
      this.#completedAtMs = this.#deps.clock.nowMs();
      this.events.emit('complete', { elapsedMs: this.#completedAtMs - this.#startedAtMs });
    }
  }

  /** Tells the peer whether it has anything we lack, and starts requesting when it does. */
  #updateInterest(session: PeerSession): void {
    let interested = false;
    if (!this.#have.isComplete) {
      for (let index = 0; index < this.#have.chunkCount && !interested; index++)
        interested = session.bits.has(index) && !this.#have.has(index);
    }
    if (interested !== session.amInterested) {
      session.amInterested = interested;
      this.#send(session, { type: interested ? 'interested' : 'not-interested' });
    }
    this.#fillRequests(session);
  }

  /** Unchokes interested peers while upload slots are free; chokes peers that lost interest. */
  #updateChoke(session: PeerSession): void {
    if (session.peerInterested && session.amChoking && this.#unchokedCount() < this.#config.uploadSlots) {
      session.amChoking = false;
      this.#send(session, { type: 'unchoke' });
    } else if (!session.peerInterested && !session.amChoking) {
      session.amChoking = true;
      session.uploadQueue.length = 0;
      this.#send(session, { type: 'choke' });
    }
  }

  #unchokedCount(): number {
    let count = 0;
    for (const session of this.#sessions.values()) if (!session.amChoking) count++;
    return count;
  }

  #fillAll(): void {
    for (const session of this.#sessions.values()) this.#fillRequests(session);
  }

  /** Keeps `pipelineBlocks` requests in flight to a peer that unchoked us. */
  #fillRequests(session: PeerSession): void {
    if (this.#destroyed || !session.handshakeDone || session.peerChoking || !session.amInterested) return;
    const nowMs = this.#deps.clock.nowMs();
    while (session.outstanding.size < this.#config.pipelineBlocks) {
      const next = this.#nextBlockFor(session);
      if (!next) return;
      const { assembly, slot } = next;
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

  /** Partial chunks first, then a new chunk (random first, then rarest), then endgame duplicates. */
  #nextBlockFor(session: PeerSession): { assembly: ChunkAssembly; slot: BlockSlot } | undefined {
    for (const assembly of this.#inProgress.values()) {
      if (assembly.verifying || !session.bits.has(assembly.chunkIndex)) continue;
      const slot = assembly.nextMissing();
      if (slot) return { assembly, slot };
    }
    const chunkIndex = this.#picker.pick(
      (index) => session.bits.has(index) && !this.#have.has(index) && !this.#inProgress.has(index),
      this.#have.count,
    );
    if (chunkIndex !== undefined) {
      const assembly = new ChunkAssembly(
        chunkIndex,
        chunkLengthBytes(this.manifest, chunkIndex),
        this.#config.blockBytes,
      );
      this.#inProgress.set(chunkIndex, assembly);
      return { assembly, slot: assembly.nextMissing()! };
    }
    const inEndgame = this.#have.count + this.#inProgress.size === this.#have.chunkCount;
    if (!inEndgame) return undefined;
    for (const assembly of this.#inProgress.values()) {
      if (assembly.verifying || !session.bits.has(assembly.chunkIndex)) continue;
      const slot = assembly.nextDuplicate(session.peerId, this.#config.endgameMaxRequestsPerBlock);
      if (slot) return { assembly, slot };
    }
    return undefined;
  }

  /** Gives up every request outstanding with a peer, so other peers can be asked. */
  #releaseAll(session: PeerSession): void {
    for (const request of session.outstanding.values())
      this.#inProgress.get(request.chunkIndex)?.release(request.blockIndex, session.peerId);
    session.outstanding.clear();
    this.#fillAll();
  }

  #onClose(session: PeerSession, reason: string): void {
    if (this.#sessions.get(session.peerId) !== session) return;
    this.#sessions.delete(session.peerId);
    for (let index = 0; index < session.bits.chunkCount; index++)
      if (session.bits.has(index)) this.#picker.peerLost(index);
    this.#releaseAll(session);
    if (session.handshakeDone) this.events.emit('peer-disconnected', { peerId: session.peerId, reason });
  }

  #drop(session: PeerSession, reason: DropReason, detail: string): void {
    this.events.emit('peer-dropped', { peerId: session.peerId, reason, detail });
    this.#onClose(session, `dropped: ${detail}`);
    session.link.close();
  }

  #send(session: PeerSession, message: WireMessage): void {
    session.link.send(encodeWireMessage(message));
  }

  #scheduleTick(): void {
    this.#cancelTick = this.#deps.clock.setTimer(this.#config.tickMs, () => {
      if (this.#destroyed) return;
      const nowMs = this.#deps.clock.nowMs();
      for (const session of this.#sessions.values()) {
        for (const [key, request] of session.outstanding) {
          if (nowMs - request.sentAtMs < this.#config.requestTimeoutMs) continue;
          session.outstanding.delete(key);
          session.cancelled.add(key);
          this.#inProgress.get(request.chunkIndex)?.release(request.blockIndex, session.peerId);
        }
      }
      this.#fillAll();
      this.#scheduleTick();
    });
  }
}
