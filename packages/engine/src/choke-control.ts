import type { WireMessage } from '@swarmlab/protocol';
import { planLeecherUnchokes, planSeederUnchokes, type ChokeCandidate } from './choker';
import type { Clock } from './clock';
import type { EngineConfig } from './engine-config';
import type { ChokerPeer } from './peer-state';
import type { Random } from './random';
import type { HeldChunks } from './stored-chunks';
import type { SuperSeeder } from './super-seeder';
import type { SwarmMode } from './swarm-mode';

/** What `ChokeControl` needs of the `Uploader`. */
export interface UploadActivity {
  /**
   * Some peer's next request within its repeat budget waits to be served, or the chunk of such a request is being
   * read: repeats past the budget take only upload nobody else asks for, so they leave the upload idle.
   */
  readonly busyWithinBudget: boolean;
  /** When a block within its peer's repeat budget last left; -Infinity if none has. */
  readonly lastBlockWithinBudgetSentAtMs: number;
  /** We choked the peer: drop its queued requests. */
  discardQueued(peerId: string): void;
}

/** What a `ChokeControl` works with, passed by its `SwarmEngine`. */
export interface ChokeControlComponents {
  readonly mode: SwarmMode;
  readonly config: Pick<
    EngineConfig,
    'uploadSlots' | 'optimisticSlots' | 'seedUploadSlots' | 'optimisticRotationRechokes' | 'idleUnchokeAfterMs'
  >;
  /** False for a client-server leecher, which never uploads. */
  readonly uploads: boolean;
  readonly clock: Clock;
  readonly random: Random;
  /** What we hold. */
  readonly have: HeldChunks;
  /** Connected peers by id (the engine adds and removes them). */
  readonly sessions: ReadonlyMap<string, ChokerPeer>;
  /** Present when this peer starts as a p2p seeder; `ChokeControl` alone uses it from then on. */
  readonly superSeeder: SuperSeeder | undefined;
  /**
   * How long an offer may go without a block sent before it moves on: `superSeedOfferTimeoutMs`, or longer
   * on a capped link slow enough that its open offers' blocks leave further apart than that.
   */
  readonly offerTimeoutMs: number;
  readonly upload: UploadActivity;
  /** Sends one message, unless the peer is closed. */
  send(session: ChokerPeer, message: WireMessage): void;
}

/**
 * Who may download from us: periodic rechokes (tit-for-tat and an optimistic slot while leeching, a
 * round robin while seeding, everyone in client-server mode), a free slot filled at once, an extra
 * unchoke when the upload sits idle, and a super-seeder's chunk offers until every chunk is out. Writes
 * each peer's `PeerChokeState`, and owns the `SuperSeeder`.
 */
export class ChokeControl {
  readonly #c: ChokeControlComponents;
  #optimistic: string[] = [];
  #rechokes = 0;
  #revealed = false;
  /** When the idle upload last unchoked one more peer: that peer gets `idleUnchokeAfterMs` to ask. */
  #idleUnchokedAtMs = -Infinity;

  constructor(components: ChokeControlComponents) {
    this.#c = components;
  }

  /** True while this seeder hides its chunks and offers each peer a distinct one (see `SuperSeeder`). */
  get superSeeding(): boolean {
    return this.#c.superSeeder?.active ?? false;
  }

  /** True while a super-seeder hides `chunkIndex` from this peer: it was not offered to it. */
  hides(peerId: string, chunkIndex: number): boolean {
    const seeder = this.#c.superSeeder;
    return seeder?.active === true && !seeder.isOffered(peerId, chunkIndex);
  }

  #slots(): number {
    if (!this.#c.uploads) return 0;
    const { mode, have, config } = this.#c;
    // The server serves everyone at once; a super-seeder lets everyone ask, but only for what it offered.
    if (mode === 'client-server' || this.superSeeding) return Infinity;
    return have.isComplete ? config.seedUploadSlots : config.uploadSlots + config.optimisticSlots;
  }

  /** Slots in use: unchoked peers that want something from us. */
  #unchokedCount(): number {
    let count = 0;
    for (const session of this.#c.sessions.values()) if (!session.amChoking && session.peerInterested) count++;
    return count;
  }

  /** The peer completed its handshake: a super-seeder lets it in and may offer it a chunk. */
  onHandshake(session: ChokerPeer): void {
    if (!this.superSeeding) return;
    this.unchokeIfSlotFree(session);
    this.offerChunks();
  }

  /** The peer wants something we hold: fill a free slot with it at once. */
  onInterested(session: ChokerPeer): void {
    session.peerInterested = true;
    this.unchokeIfSlotFree(session);
  }

  /** The slot stays until the next rechoke: it often wants something again soon (a new offer, a new have). */
  onNotInterested(session: ChokerPeer): void {
    session.peerInterested = false;
  }

  /** Fills a free slot at once instead of waiting for the next rechoke. */
  unchokeIfSlotFree(session: ChokerPeer): void {
    const wants = session.peerInterested || this.superSeeding;
    if (wants && session.amChoking && session.handshakeDone && this.#unchokedCount() < this.#slots())
      this.#unchoke(session);
  }

  #unchoke(session: ChokerPeer): void {
    session.amChoking = false;
    session.lastUnchokedAtMs = this.#c.clock.nowMs();
    this.#c.send(session, { type: 'unchoke' });
  }

  #choke(session: ChokerPeer): void {
    session.amChoking = true;
    this.#c.upload.discardQueued(session.peerId);
    this.#c.send(session, { type: 'choke' });
  }

  /** The peer is gone: its super-seed offer goes back, and its slot (if it had one) to someone else. */
  onClosed(session: ChokerPeer): void {
    this.#c.superSeeder?.withdrawAll(session.peerId);
    if (this.superSeeding) this.offerChunks();
    else if (!session.amChoking) this.rechoke();
  }

  /**
   * A peer announced `chunkIndex`: a super-seeder need not send it; if it was that peer's offer, the offer
   * is fulfilled and the next goes out; once every chunk is in the swarm, it reveals all.
   */
  chunkAnnounced(peerId: string, chunkIndex: number): void {
    const seeder = this.#c.superSeeder;
    if (!seeder?.active) return;
    if (seeder.announced(peerId, chunkIndex)) this.offerChunks();
    else if (!seeder.active) this.revealAll();
  }

  /** The peer sent a request: a super-seeder that kept it from offers as quiet offers it chunks again at once. */
  requestReceived(peerId: string): void {
    const seeder = this.#c.superSeeder;
    if (seeder?.active && seeder.heardFrom(peerId)) this.offerChunks();
  }

  /** A block left for the peer: it may complete a super-seeder's offer, which makes room for the next. */
  blockSent(peerId: string, chunkIndex: number, offsetBytes: number, lengthBytes: number, nowMs: number): void {
    if (this.#c.superSeeder?.recordUpload(peerId, chunkIndex, offsetBytes, lengthBytes, nowMs)) this.offerChunks();
  }

  /**
   * Super-seeding: keeps `seedUploadSlots` offers open, handed out in turn (see `SuperSeeder.offerNext`), none to a
   * quiet peer while another is not quiet (even one that cannot take an offer just then).
   */
  offerChunks(): void {
    const { superSeeder: seeder, sessions, config, clock } = this.#c;
    if (!seeder) return;
    if (!seeder.active) return this.revealAll();
    // The candidates only when needed: this runs at every offer completed, and a swarm may hold a thousand peers.
    if (seeder.hasQuietPeers) seeder.withdrawQuietOffers(this.#offerCandidates());
    while (seeder.openOffers < config.seedUploadSlots) {
      // Read afresh for each offer: a send that fails (a channel closing) closes its session inside the send,
      // and an offer to a session gone would throw.
      const offer = seeder.offerNext(this.#offerCandidates(), clock.nowMs());
      if (!offer) return;
      this.#c.send(sessions.get(offer.peerId)!, { type: 'have', chunkIndex: offer.chunkIndex });
    }
  }

  #offerCandidates(): string[] {
    return [...this.#c.sessions.values()].filter((s) => s.handshakeDone && !s.closed).map((s) => s.peerId);
  }

  /** Super-seeding: offers that saw no request for a while move on to other peers. */
  expireOffers(nowMs: number): void {
    const seeder = this.#c.superSeeder;
    if (!seeder?.active) return;
    for (const { peerId, chunkIndex } of seeder.staleOffers(nowMs, this.#c.offerTimeoutMs))
      seeder.withdraw(peerId, chunkIndex);
    this.offerChunks();
  }

  /**
   * Every chunk has left the seeder once: announce them all (one `have-all` a peer: a `have` for each chunk was a
   * million messages for 16,384 chunks × 63 peers, in one call) and seed normally.
   */
  revealAll(): void {
    if (this.#revealed) return;
    this.#revealed = true;
    for (const session of this.#c.sessions.values()) this.#c.send(session, { type: 'have-all' });
    this.rechoke();
  }

  /**
   * An upload that sat idle for `idleUnchokeAfterMs` while choked peers want something gets one more
   * peer unchoked at once: reciprocation picks partners, but a link left idle helps nobody. The newly
   * unchoked peer then gets as long to ask before another is unchoked. The next rechoke returns to the
   * regular slots. Repeats past a peer's budget leave the upload idle (`UploadActivity.busyWithinBudget`): the newly
   * unchoked peer's requests go ahead of them.
   */
  unchokeWhileIdle(): void {
    const { mode, clock, config, sessions, upload, random } = this.#c;
    if (mode !== 'p2p' || this.superSeeding || upload.busyWithinBudget) return;
    const nowMs = clock.nowMs();
    const quietSinceMs = Math.max(upload.lastBlockWithinBudgetSentAtMs, this.#idleUnchokedAtMs);
    if (nowMs - quietSinceMs < config.idleUnchokeAfterMs) return;
    const waiting = [...sessions.values()].filter((s) => s.amChoking && s.peerInterested && s.handshakeDone);
    if (waiting.length === 0) return;
    this.#unchoke(waiting[Math.floor(random() * waiting.length)]!);
    this.#idleUnchokedAtMs = nowMs;
  }

  rechoke(): void {
    if (!this.#c.uploads || this.superSeeding) return;
    const { mode, clock, config, sessions, have, random } = this.#c;
    const nowMs = clock.nowMs();
    const candidates: ChokeCandidate[] = [...sessions.values()]
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
    if (mode === 'client-server') {
      unchoked = new Set(candidates.filter((c) => c.interested).map((c) => c.peerId));
    } else if (have.isComplete) {
      unchoked = new Set(planSeederUnchokes(candidates, config.seedUploadSlots, random));
    } else {
      const rotate = this.#rechokes++ % config.optimisticRotationRechokes === 0;
      const plan = planLeecherUnchokes(candidates, {
        uploadSlots: config.uploadSlots,
        optimisticSlots: config.optimisticSlots,
        keepOptimistic: rotate ? [] : this.#optimistic,
        random,
      });
      this.#optimistic = plan.optimistic;
      unchoked = new Set([...plan.regular, ...plan.optimistic]);
    }
    for (const session of sessions.values()) {
      if (unchoked.has(session.peerId) && session.amChoking) this.#unchoke(session);
      else if (!unchoked.has(session.peerId) && !session.amChoking) this.#choke(session);
    }
  }
}
