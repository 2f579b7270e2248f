import { chunkLengthBytes, type BlockRange, type Manifest, type WireMessage } from '@swarmlab/protocol';
import { isServableRange, requestGridBytes } from './block-size';
import type { AvailabilityView } from './chunk-availability';
import type { Clock } from './clock';
import type { EngineConfig } from './engine-config';
import type { DropReason } from './engine-events';
import type { LinkShaper } from './link-shaper';
import type { NamedTimers } from './named-timers';
import type { QueuedRequest, UploaderPeer } from './peer-state';
import { RateMeter } from './rate-meter';
import { SentCoverage } from './sent-coverage';
import type { HeldChunks, StoredChunks } from './stored-chunks';

/** What an `Uploader` works with, passed by its `SwarmEngine`. */
export interface UploaderComponents {
  readonly manifest: Manifest;
  readonly config: Pick<EngineConfig, 'blockBytes' | 'maxQueuedRequestsPerPeer' | 'sendHighWaterBytes'>;
  /** Serve requests for the chunks fewest neighbours hold first (p2p with `uploadRarestFirst`), else oldest first. */
  readonly rarestFirst: boolean;
  readonly clock: Clock;
  readonly timers: NamedTimers;
  /** What we hold. */
  readonly have: HeldChunks;
  /** The chunks we hold, read to serve them. */
  readonly chunks: StoredChunks;
  /** How many neighbours hold each chunk. */
  readonly counts: AvailabilityView;
  /** Connected peers by id (the engine adds and removes them). */
  readonly sessions: ReadonlyMap<string, UploaderPeer>;
  /** Paces the blocks we send to the upload cap; absent when the upload is unlimited. */
  readonly shaper: LinkShaper | undefined;
  /** Sends one message, unless the peer is closed. */
  send(session: UploaderPeer, message: WireMessage): void;
  /** Disconnects a misbehaving peer. */
  drop(session: UploaderPeer, reason: DropReason, detail: string): void;
  /** `destroyed` once the engine is destroyed: nothing more is sent. */
  readonly lifecycle: { readonly destroyed: boolean };
  /** True while a super-seeder hides `chunkIndex` from this peer (see `ChokeControl.hides`). */
  hides(peerId: string, chunkIndex: number): boolean;
  /**
   * Called after each block we send (see `ChokeControl.blockSent`); `newBytes`: how many of its bytes this peer had
   * not been sent before (`SentCoverage`), what the totals our reports claim count.
   */
  onBlockSent(
    peerId: string,
    chunkIndex: number,
    offsetBytes: number,
    lengthBytes: number,
    newBytes: number,
    nowMs: number,
  ): void;
  /** Called when reading a chunk to serve failed (`error`: the store's); the request was refused. */
  onReadFailed(chunkIndex: number, error: unknown): void;
}

/**
 * How long after a failed read of a chunk it is read again, to offer it again to the peers it was refused to: a
 * `reject` makes a requester forget that we hold the chunk (PROTOCOL §3.4), and a passing failure (an IndexedDB
 * error) left those peers without it for good, stalled where we were its last holder (found by review).
 */
export const REREAD_AFTER_FAILURE_MS = 5_000;

/**
 * What we send one peer id again, bytes it was sent before, in turn with other peers' requests: as much as the file,
 * a second copy. A chunk that failed its hash or could not be stored is fetched again, as often as that happens; past
 * the budget a request for bytes sent before is served last, only while no other peer's request waits
 * (`#nextSession`), and its queue leaves the upload idle, so a choked peer is unchoked to ask (`busyWithinBudget`).
 * A hostile tab asking for blocks it was sent again and again took the seeder's upload from the class, a block at a
 * time (found by review); a limit per chunk (twice) left an honest leecher whose storage failed twice on one chunk a
 * chunk short for good, its only source refused (found by the review of that fix); and refused past the budget, a
 * leecher that reloaded twice before its writes landed, the seeder its only source, was refused every chunk, forgot
 * the seeder held them, and stayed incomplete for good (found by review).
 */
export const REPEAT_BUDGET_FILES = 1;

/**
 * Peer ids whose sent bytes an uploader keeps unit by unit at most (`SentCoverage`, up to 128 KiB each): four times a
 * swarm's places (64) and as many departed, for a class's reloads and returns.
 */
export const MAX_COVERED_PEERS = 256;

/** A request whose chunk a store that answers later is reading; `cancelled` once its peer cancelled it meanwhile. */
interface BlockBeingRead {
  readonly session: UploaderPeer;
  readonly request: QueuedRequest;
  cancelled: boolean;
}

/**
 * The upload side of an engine: checks and queues peers' requests (refusing what we may not give),
 * and serves them within the upload cap, rarest chunk first in p2p mode, oldest request first otherwise.
 * Writes each peer's `PeerUploadState`.
 */
export class Uploader {
  /** Bytes sent, all peers together. */
  readonly meter = new RateMeter();
  readonly #c: UploaderComponents;
  /** The grid the requests we serve lie on (`isServableRange`). */
  readonly #gridBytes: number;
  /** Sessions with queued requests. */
  readonly #ready = new Set<UploaderPeer>();
  #requestSeq = 0;
  #wakeScheduled = false;
  /** The block to send next while a store that answers later reads its chunk (`#sendWhenRead`). */
  #read: BlockBeingRead | undefined;
  /** When a block within its peer's repeat budget last left (`#pastBudget`). */
  #lastBlockWithinBudgetSentAtMs = -Infinity;
  /** Peers refused a chunk because it could not be read, by chunk: offered it again once it reads. */
  readonly #refusedUnread = new Map<number, Set<UploaderPeer>>();
  /** What each peer id was sent, each byte once, kept after it leaves (`SwarmSnapshot.sentBytesByPeer`). */
  readonly #sentCoverage = new Map<string, SentCoverage>();

  constructor(components: UploaderComponents) {
    this.#c = components;
    this.#gridBytes = requestGridBytes(components.config.blockBytes);
  }

  /**
   * True while some peer's next request is within its repeat budget (`#pastBudget`), or the chunk of such a request
   * is being read. Queues holding only repeats past the budget do not count: they are served with upload nobody else
   * asks for, and counted as busy, they kept the idle unchoke (`ChokeControl.unchokeWhileIdle`) from ever letting
   * another peer ask, the repeater taking the upload the choked would have had (found by review).
   */
  get busyWithinBudget(): boolean {
    const read = this.#read;
    if (read && !this.#pastBudget(read.session.peerId, read.request)) return true;
    // A ready peer whose queue emptied since (a cancel, our choke) counts until the send loop drops it, as it always
    // did: the idle unchoke's timing, and the simulator's figures, stay what they were where nobody is past budget.
    for (const session of this.#ready) {
      const head = session.uploadQueue[0];
      if (head === undefined || !this.#pastBudget(session.peerId, head)) return true;
    }
    return false;
  }

  /**
   * When a block within its peer's repeat budget last left; -Infinity if none has. A repeater's blocks past the
   * budget leave every block's time at the cap (82 ms for 16 KiB at 200 kB/s), less than `idleUnchokeAfterMs`.
   */
  get lastBlockWithinBudgetSentAtMs(): number {
    return this.#lastBlockWithinBudgetSentAtMs;
  }

  onRequest(session: UploaderPeer, request: BlockRange): void {
    const { have, config } = this.#c;
    const { chunkIndex, offsetBytes, lengthBytes } = request;
    const chunkBytes = chunkIndex < have.chunkCount ? chunkLengthBytes(this.#c.manifest, chunkIndex) : 0;
    if (chunkIndex >= have.chunkCount || offsetBytes + lengthBytes > chunkBytes)
      return this.#c.drop(
        session,
        'protocol-violation',
        `request ${chunkIndex}:${offsetBytes}+${lengthBytes} out of range`,
      );
    if (session.uploadQueue.length >= config.maxQueuedRequestsPerPeer)
      return this.#c.drop(session, 'request-flood', `more than ${config.maxQueuedRequestsPerPeer} queued requests`);
    // Less than a block, or off the block grid: each would cost a chunk's read for a few bytes (`MIN_BLOCK_BYTES`).
    if (
      !isServableRange(offsetBytes, lengthBytes, chunkBytes, this.#gridBytes) ||
      session.amChoking ||
      !have.has(chunkIndex) ||
      this.#c.hides(session.peerId, chunkIndex)
    )
      return this.#refuse(session, request);
    // The same bytes asked again while queued are served once: a peer keeping 500 requests for one block of a
    // super-seeder's offer queued was sent it 102 times, ahead of the honest leechers (found by review).
    // Nor bytes of one asked again under another range (a length or an offset off by one): an honest peer's queued
    // requests never overlap (found by review of the first fix).
    const overlaps = (queued: QueuedRequest): boolean =>
      queued.chunkIndex === chunkIndex &&
      queued.offsetBytes < offsetBytes + lengthBytes &&
      offsetBytes < queued.offsetBytes + queued.lengthBytes;
    if (session.uploadQueue.some(overlaps)) return;
    session.uploadQueue.push({ chunkIndex, offsetBytes, lengthBytes, seq: this.#requestSeq++ });
    this.queue(session);
  }

  /** Refuses a request (`reject`); far more refusals than a pipeline's worth lately is a flood, and drops the peer. */
  #refuse(session: UploaderPeer, request: BlockRange): void {
    if (++session.recentRejects > this.#c.config.maxQueuedRequestsPerPeer)
      return this.#c.drop(session, 'request-flood', `${session.recentRejects} refused requests lately`);
    const { chunkIndex, offsetBytes, lengthBytes } = request;
    this.#c.send(session, { type: 'reject', chunkIndex, offsetBytes, lengthBytes });
  }

  /**
   * Whether sending the range would take what this peer id was sent again past its budget (`REPEAT_BUDGET_FILES`): it
   * is then served last. Read for every waiting peer at each block sent and each idle check (`busyWithinBudget`), so
   * it does not mark the peer id as used (`#coverageOf`), and looks at the bytes only when the budget is nearly spent.
   */
  #pastBudget(peerId: string, { chunkIndex, offsetBytes, lengthBytes }: BlockRange): boolean {
    const coverage = this.#sentCoverage.get(peerId);
    if (!coverage) return false;
    const budgetBytes = REPEAT_BUDGET_FILES * this.#c.manifest.sizeBytes;
    if (coverage.repeatedBytes + lengthBytes <= budgetBytes) return false;
    const again = coverage.sentBefore(chunkIndex, offsetBytes, lengthBytes);
    return again > 0 && coverage.repeatedBytes + again > budgetBytes;
  }

  onCancel(session: UploaderPeer, range: { chunkIndex: number; offsetBytes: number }): void {
    const read = this.#read;
    if (
      read &&
      read.session === session &&
      read.request.chunkIndex === range.chunkIndex &&
      read.request.offsetBytes === range.offsetBytes
    )
      read.cancelled = true;
    const index = session.uploadQueue.findIndex(
      (r) => r.chunkIndex === range.chunkIndex && r.offsetBytes === range.offsetBytes,
    );
    if (index >= 0) session.uploadQueue.splice(index, 1);
  }

  /** We choked the peer: its queued requests will not be served (it asks again once unchoked). */
  discardQueued(peerId: string): void {
    const session = this.#c.sessions.get(peerId);
    if (session) session.uploadQueue.length = 0;
  }

  /** Housekeeping, every tick: a refusal counts half as much a tick later. */
  decayRejects(session: UploaderPeer): void {
    session.recentRejects /= 2;
  }

  /** Serves the peer's queued requests when the link allows (also on the link's drain). */
  queue(session: UploaderPeer): void {
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
   * A client-server seeder serves strictly oldest first: nothing starves. A peer whose next request repeats bytes
   * past its budget comes last (`REPEAT_BUDGET_FILES`). A store that answers later holds the next block until its
   * chunk is read.
   */
  #pump(): void {
    const { clock, shaper } = this.#c;
    while (this.#ready.size > 0 && this.#read === undefined && !this.#c.lifecycle.destroyed) {
      const nowMs = clock.nowMs();
      if (shaper && shaper.msUntilAvailable(nowMs) > 0) return this.#wake(nowMs);
      const session = this.#nextSession();
      if (!session) return;
      const request = session.uploadQueue.shift()!;
      if (session.uploadQueue.length === 0) this.#ready.delete(session);
      // A super-seeder's offer that moved on since the request was queued (fulfilled elsewhere, or withdrawn): its
      // blocks went out all the same, the seeder's scarce upload spent on a chunk the swarm held (found by review).
      if (this.#c.hides(session.peerId, request.chunkIndex)) {
        const { chunkIndex, offsetBytes, lengthBytes } = request;
        this.#c.send(session, { type: 'reject', chunkIndex, offsetBytes, lengthBytes });
        continue;
      }
      let chunk: Uint8Array | Promise<Uint8Array>;
      try {
        chunk = this.#c.chunks.read(request.chunkIndex);
      } catch (error) {
        // A store that answers at once failed (a chunk read back short: `ShortChunkError`), as one answering later may.
        this.#readFailed(session, request, error);
        continue;
      }
      if (chunk instanceof Promise) return this.#sendWhenRead(session, request, chunk);
      this.#sendBlock(session, request, chunk, nowMs);
    }
  }

  #sendWhenRead(session: UploaderPeer, request: QueuedRequest, chunk: Promise<Uint8Array>): void {
    const read: BlockBeingRead = { session, request, cancelled: false };
    this.#read = read;
    const resume = (): void => {
      this.#read = undefined;
      this.#pump();
    };
    void chunk.then(
      (bytes) => {
        if (!this.#c.lifecycle.destroyed && !session.closed) this.#sendRead(session, read, bytes);
        resume();
      },
      (error: unknown) => {
        if (!this.#c.lifecycle.destroyed && !session.closed) this.#readFailed(session, request, error);
        resume();
      },
    );
  }

  /**
   * The block cannot be sent, its chunk unread: the requester hears so at once and asks elsewhere (it would otherwise
   * wait out its request timeout), the store's owner learns why (a seeder's file changed on disk), and the chunk is
   * read again later, to offer it again to the requester.
   */
  #readFailed(session: UploaderPeer, request: QueuedRequest, error: unknown): void {
    const { chunkIndex, offsetBytes, lengthBytes } = request;
    this.#c.send(session, { type: 'reject', chunkIndex, offsetBytes, lengthBytes });
    this.#c.onReadFailed(chunkIndex, error);
    this.#offerOnceRead(session, chunkIndex);
  }

  /** `session` was refused `chunkIndex` as it could not be read: it is offered the chunk (`have`) once it reads. */
  #offerOnceRead(session: UploaderPeer, chunkIndex: number): void {
    const refused = this.#refusedUnread.get(chunkIndex);
    if (refused) return void refused.add(session);
    this.#refusedUnread.set(chunkIndex, new Set([session]));
    this.#rereadLater(chunkIndex);
  }

  #rereadLater(chunkIndex: number): void {
    this.#c.timers.once(`reread-${chunkIndex}`, REREAD_AFTER_FAILURE_MS, () => {
      if (this.#c.lifecycle.destroyed) return;
      // Read again only for peers still there: a chunk that never reads again was read every 5 s for good.
      const refused = this.#refusedUnread.get(chunkIndex);
      for (const session of refused ?? []) if (session.closed) refused!.delete(session);
      if (!refused || refused.size === 0) return void this.#refusedUnread.delete(chunkIndex);
      let read: Uint8Array | Promise<Uint8Array>;
      try {
        read = this.#c.chunks.read(chunkIndex);
      } catch {
        return this.#rereadLater(chunkIndex);
      }
      if (read instanceof Promise)
        void read.then(
          () => this.#offerAgain(chunkIndex),
          () => this.#rereadLater(chunkIndex),
        );
      else this.#offerAgain(chunkIndex);
    });
  }

  /** `chunkIndex` reads again: the peers refused it are told we hold it (a super-seeder's hidden ones excepted). */
  #offerAgain(chunkIndex: number): void {
    const refused = this.#refusedUnread.get(chunkIndex);
    this.#refusedUnread.delete(chunkIndex);
    if (!refused || this.#c.lifecycle.destroyed) return;
    for (const session of refused)
      if (!session.closed && !this.#c.hides(session.peerId, chunkIndex))
        this.#c.send(session, { type: 'have', chunkIndex });
  }

  /**
   * A block read from a store that answers later, checked again as it would be before a read: meanwhile the peer
   * may have cancelled it, we may have choked it (its queued requests are dropped, without a reject), or a
   * super-seeder's offer may have moved on (refused). A seeder reading `File` slices sent such blocks all the same
   * (found by review).
   */
  #sendRead(session: UploaderPeer, read: BlockBeingRead, bytes: Uint8Array): void {
    const { request } = read;
    if (read.cancelled || session.amChoking) return;
    if (this.#c.hides(session.peerId, request.chunkIndex)) {
      const { chunkIndex, offsetBytes, lengthBytes } = request;
      return this.#c.send(session, { type: 'reject', chunkIndex, offsetBytes, lengthBytes });
    }
    this.#sendBlock(session, request, bytes, this.#c.clock.nowMs());
  }

  #sendBlock(session: UploaderPeer, request: QueuedRequest, chunk: Uint8Array, nowMs: number): void {
    const { chunkIndex, offsetBytes } = request;
    const bytes = chunk.subarray(offsetBytes, offsetBytes + request.lengthBytes);
    const pastBudget = this.#pastBudget(session.peerId, request);
    this.#c.shaper?.tryTake(bytes.length, nowMs);
    this.#c.send(session, { type: 'block', chunkIndex, offsetBytes, bytes });
    // A send that failed closed the link (its channel was closing): the block never left, and counted, it went into
    // the totals the others' completions are corroborated by, a block per departure (found by review).
    if (session.closed) return;
    session.upload.record(bytes.length, nowMs);
    this.meter.record(bytes.length, nowMs);
    if (!pastBudget) this.#lastBlockWithinBudgetSentAtMs = nowMs;
    const newBytes = this.#coverageOf(session.peerId).add(chunkIndex, offsetBytes, bytes.length);
    this.#c.onBlockSent(session.peerId, chunkIndex, offsetBytes, bytes.length, newBytes, nowMs);
  }

  /**
   * What `peerId` was sent, the most recently used last: past `MAX_COVERED_PEERS` peer ids, the least recently used
   * one's bitmap goes (`SentCoverage.retire`). A bitmap is up to 128 KiB for a file over 1 GiB, and one made per peer
   * id asking for a block, 1,000 ids that came and went held 128 MB in a seeder's tab (found by review).
   */
  #coverageOf(peerId: string): SentCoverage {
    let coverage = this.#sentCoverage.get(peerId);
    if (coverage) {
      this.#sentCoverage.delete(peerId);
      this.#sentCoverage.set(peerId, coverage);
      return coverage;
    }
    const { manifest } = this.#c;
    coverage = new SentCoverage(this.#c.have.chunkCount, manifest.chunkBytes, (chunkIndex) =>
      chunkLengthBytes(manifest, chunkIndex),
    );
    // Rare (a peer id new to this engine): a look at every one is cheap beside the bitmaps it bounds.
    const held = [...this.#sentCoverage.values()].filter((other) => other.memoryBytes > 0);
    if (held.length >= MAX_COVERED_PEERS) held[0]!.retire();
    this.#sentCoverage.set(peerId, coverage);
    return coverage;
  }

  /**
   * The peer whose queued request is oldest (or rarest, see `#pump`); peers whose send buffer is full wait for their
   * drain. One whose next request is for bytes sent to it before, past its repeat budget (`#pastBudget`), comes after
   * every other: never refused, for an honest leecher that lost what it was sent may have no other source, but given
   * only upload nobody else asks for. Its queue waits behind that request, in order.
   */
  #nextSession(): UploaderPeer | undefined {
    let best: UploaderPeer | undefined;
    let bestRank = Infinity;
    let bestPastBudget = true;
    for (const session of this.#ready) {
      const head = session.uploadQueue[0];
      const parked = session.link.bufferedBytes >= this.#c.config.sendHighWaterBytes;
      if (!head || parked || session.closed) {
        this.#ready.delete(session);
        continue;
      }
      const pastBudget = this.#pastBudget(session.peerId, head);
      if (pastBudget && !bestPastBudget) continue;
      const rank = this.#c.rarestFirst ? this.#c.counts.availability(head.chunkIndex) * 1e12 + head.seq : head.seq;
      if (rank < bestRank || (bestPastBudget && !pastBudget)) {
        best = session;
        bestRank = rank;
        bestPastBudget = pastBudget;
      }
    }
    return best;
  }

  #wake(nowMs: number): void {
    if (this.#wakeScheduled) return;
    this.#wakeScheduled = true;
    this.#c.timers.once('upload-wake', this.#c.shaper!.msUntilAvailable(nowMs), () => {
      this.#wakeScheduled = false;
      this.#pump();
    });
  }
}
