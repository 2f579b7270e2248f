import { planLeecherUnchokes, planSeederUnchokes, type ChokeCandidate } from './choker';
import type { PeerSession } from './peer-session';
import type { SwarmState } from './swarm-state';
import type { Uploader } from './uploader';

/**
 * Who may download from us: periodic rechokes (tit-for-tat and an optimistic slot while leeching, a
 * round robin while seeding, everyone in client-server mode), a free slot filled at once, an extra
 * unchoke when the upload sits idle, and a super-seeder's chunk offers until every chunk is out.
 */
export class ChokeControl {
  readonly #state: SwarmState;
  readonly #uploader: Uploader;
  #optimistic: string[] = [];
  #rechokes = 0;
  #revealed = false;

  constructor(state: SwarmState, uploader: Uploader) {
    this.#state = state;
    this.#uploader = uploader;
  }

  /** True while this seeder hides its chunks and offers each peer a distinct one (see `SuperSeeder`). */
  get superSeeding(): boolean {
    return this.#state.superSeeder?.active ?? false;
  }

  /** May this peer upload at all? In client-server mode only the seeder does. */
  get #uploads(): boolean {
    return this.#state.mode === 'p2p' || this.#state.deps.initialChunks?.isComplete === true;
  }

  #slots(): number {
    if (!this.#uploads) return 0;
    const { mode, have, config } = this.#state;
    // The server serves everyone at once; a super-seeder lets everyone ask, but only for what it offered.
    if (mode === 'client-server' || this.superSeeding) return Infinity;
    return have.isComplete ? config.seedUploadSlots : config.uploadSlots + config.optimisticSlots;
  }

  /** Slots in use: unchoked peers that want something from us. */
  #unchokedCount(): number {
    let count = 0;
    for (const session of this.#state.sessions.values()) if (!session.amChoking && session.peerInterested) count++;
    return count;
  }

  /** Fills a free slot at once instead of waiting for the next rechoke. */
  unchokeIfSlotFree(session: PeerSession): void {
    const wants = session.peerInterested || this.superSeeding;
    if (wants && session.amChoking && session.handshakeDone && this.#unchokedCount() < this.#slots())
      this.#unchoke(session);
  }

  #unchoke(session: PeerSession): void {
    session.amChoking = false;
    session.lastUnchokedAtMs = this.#state.deps.clock.nowMs();
    this.#state.send(session, { type: 'unchoke' });
  }

  #choke(session: PeerSession): void {
    session.amChoking = true;
    session.uploadQueue.length = 0;
    this.#state.send(session, { type: 'choke' });
  }

  /** Super-seeding: keeps `seedUploadSlots` offers open, each with a different peer, handed out in turn. */
  offerChunks(): void {
    const { superSeeder: seeder, sessions, config, deps } = this.#state;
    if (!seeder) return;
    if (!seeder.active) return this.revealAll();
    const candidates = [...sessions.values()].filter((s) => s.handshakeDone).map((s) => s.peerId);
    while (seeder.openOffers < config.seedUploadSlots) {
      const offer = seeder.offerNext(candidates, deps.clock.nowMs());
      if (!offer) return;
      this.#state.send(sessions.get(offer.peerId)!, { type: 'have', chunkIndex: offer.chunkIndex });
    }
  }

  /** Super-seeding: offers that saw no request for a while move on to other peers. */
  expireOffers(nowMs: number): void {
    const seeder = this.#state.superSeeder;
    if (!seeder?.active) return;
    for (const peerId of seeder.staleOffers(nowMs, this.#state.config.superSeedOfferTimeoutMs)) seeder.withdraw(peerId);
    this.offerChunks();
  }

  /** Every chunk has left the seeder once: announce them all and seed normally. */
  revealAll(): void {
    if (this.#revealed) return;
    this.#revealed = true;
    const { sessions, have } = this.#state;
    for (const session of sessions.values())
      for (let chunkIndex = 0; chunkIndex < have.chunkCount; chunkIndex++)
        this.#state.send(session, { type: 'have', chunkIndex });
    this.rechoke();
  }

  /**
   * An upload that sat idle for `idleUnchokeAfterMs` while choked peers want something gets one more
   * peer unchoked at once: reciprocation picks partners, but a link left idle helps nobody. The next
   * rechoke returns to the regular slots.
   */
  unchokeWhileIdle(): void {
    const { mode, deps, config, sessions } = this.#state;
    if (mode !== 'p2p' || this.superSeeding || this.#uploader.busy) return;
    const nowMs = deps.clock.nowMs();
    if (nowMs - this.#uploader.lastUploadAtMs < config.idleUnchokeAfterMs) return;
    const waiting = [...sessions.values()].filter((s) => s.amChoking && s.peerInterested && s.handshakeDone);
    if (waiting.length === 0) return;
    this.#unchoke(waiting[Math.floor(deps.random() * waiting.length)]!);
    // Give the newly unchoked peer a period to ask before unchoking another.
    this.#uploader.lastUploadAtMs = nowMs;
  }

  rechoke(): void {
    if (!this.#uploads || this.superSeeding) return;
    const { mode, deps, config, sessions, have } = this.#state;
    const nowMs = deps.clock.nowMs();
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
      unchoked = new Set(planSeederUnchokes(candidates, config.seedUploadSlots, deps.random));
    } else {
      const rotate = this.#rechokes++ % config.optimisticRotationRechokes === 0;
      const plan = planLeecherUnchokes(candidates, {
        uploadSlots: config.uploadSlots,
        optimisticSlots: config.optimisticSlots,
        keepOptimistic: rotate ? [] : this.#optimistic,
        random: deps.random,
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
