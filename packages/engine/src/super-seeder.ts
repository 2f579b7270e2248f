import { Bitfield } from '@swarmlab/protocol';
import { randomInt, type Random } from './random';

interface Offer {
  readonly peerId: string;
  readonly chunkIndex: number;
  readonly offeredAtMs: number;
  /**
   * When its bytes sent first reached three quarters of the chunk, and how many had been sent then: its rate is
   * counted over the last quarter. Counted from the `have`, it held the round trip before the first request (no
   * second offer came above about 11 MB/s at 20 ms one way); from the first block, the burst of requests a download
   * shaper lets out at once (a leecher capped at 3 MB/s read as 5.7 MB/s, and took second offers it could not
   * take; found by review). When the block that completes the chunk is the one that reaches the mark (a chunk of
   * fewer than four blocks), it is counted from the block before; a chunk of one block gives no rate (counted from
   * itself, every small chunk read as infinitely fast: leechers capped at 500 kB/s took 25–62 second offers).
   */
  lastQuarterFromMs?: number | undefined;
  lastQuarterFromBytes: number;
  /** When the last block that added bytes was sent. */
  lastAddedAtMs?: number;
  /**
   * The byte ranges of the chunk sent to the peer, `[start, end)`, sorted and apart (a block sent twice counts
   * once). An honest peer's blocks, in order, keep it to a range or two.
   */
  sent: (readonly [number, number])[];
  sentBytes: number;
  /** New bytes sent since `progressAtMs` was last moved. */
  newBytesSinceProgress: number;
  progressAtMs: number;
  /** The peer sent a request (for any chunk) or announced a chunk since the offer was made: it is not quiet. */
  answered: boolean;
}

export interface SuperSeederOptions {
  readonly maxOffersPerPeer?: number;
  readonly extraOfferBytesPerSec?: number;
}

/**
 * Super-seeding: while some chunk is not yet in the swarm, the seeder advertises no chunks. Instead it
 * offers (with `have`) one chunk the swarm lacks to one peer at a time, keeping a few such offers open,
 * usually each with a different peer, handed out in turn; a peer that takes its offers fast and passes them
 * on may hold more than one (`offerNext`). A chunk is in the swarm once the seeder has uploaded
 * it whole or any peer has announced it, whoever sent the bytes; only chunks not in the swarm and not on
 * offer are offered. Its scarce upload thus never carries one chunk twice before every chunk is in the
 * swarm (the seed's F/u_s term is only reachable that way), and consecutive chunks land on different
 * peers, which spreads them fastest. Once every chunk is in the swarm, the seeder reveals everything and
 * seeds normally.
 *
 * An offer progresses only by bytes of its chunk not sent before, a block's worth (`progressBytes`) at a time,
 * and completes only once every byte was sent: a peer asking for one byte of its offer every 2 s, or for the
 * same block again and again, held the offer (and the chunk, which nobody else is offered) for ever, and no
 * leecher completed (found by review).
 *
 * A peer that answered nothing to an offer withdrawn as stale is **quiet** (`#quiet`) until it sends a request or
 * announces a chunk, and is offered nothing while another candidate is not quiet (PROTOCOL §3.6).
 */
export class SuperSeeder {
  /**
   * Chunks not on offer, in the order they are offered (last first). A chunk that became in the swarm stays
   * here until it reaches the end and is skipped: removing it at once would cost O(chunks) per announcement,
   * O(chunks²) for a bitfield (a second seeder's, 4·10⁹ steps for a 16 GiB file).
   */
  readonly #pool: number[];
  /** Chunks uploaded whole or announced by a peer: never offered again. */
  readonly #inSwarm: Bitfield;
  /** The open offers, by chunk. */
  readonly #offers = new Map<number, Offer>();
  /** Open offers per peer. */
  readonly #openPerPeer = new Map<string, number>();
  readonly #maxOffersPerPeer: number;
  readonly #extraOfferBytesPerSec: number;
  /**
   * Per peer, how fast its last offer the seeder sent whole came (bytes/s, over its last quarter): a fast
   * one may hold more than one. Forgotten when an offer of it is withdrawn (stalled, or the peer left).
   */
  readonly #offerBytesPerSec = new Map<string, number>();
  readonly #lastOfferAtMs = new Map<string, number>();
  /** Who each chunk was offered to, until another peer announces it (it spread). */
  readonly #offeredTo = new Map<number, string>();
  /** Per peer, the chunks offered to it that no other peer has announced yet. */
  readonly #unspread = new Map<string, number>();
  /**
   * Peers with an offer withdrawn as stale that they sent no request and announced no chunk since it was made: a
   * frozen tab, a laptop whose lid closed, a stuck client (one that answers each offer with a request it never lets
   * progress is not quiet). Offered nothing while some candidate is not quiet: such a peer tied with an honest leecher on chunks not spread (nobody else announced the leecher's
   * either) and was offered the last chunk again and again, each held until it went stale, the leecher waiting
   * 30.6 s for a file it took 0.17 s to get without it (found by review). Not "no bytes sent": a seeder at a low
   * cap may not have served a peer that asked, and that peer must keep its offers.
   */
  readonly #quiet = new Set<string>();
  readonly #chunkLengthBytes: (chunkIndex: number) => number;
  readonly #progressBytes: number;

  /**
   * `progressBytes`: new bytes that count as progress on an offer (a block's; or the rest of the chunk).
   * `maxOffersPerPeer`: the most offers one peer holds at once; it gets a second (and so on) only once its last
   * offer came at `extraOfferBytesPerSec` or faster (`EngineConfig.superSeedExtraOfferShare`).
   */
  constructor(
    chunkCount: number,
    chunkLengthBytes: (chunkIndex: number) => number,
    random: Random,
    progressBytes = 1,
    { maxOffersPerPeer = 1, extraOfferBytesPerSec = Infinity }: SuperSeederOptions = {},
  ) {
    this.#maxOffersPerPeer = Math.max(1, maxOffersPerPeer);
    this.#extraOfferBytesPerSec = extraOfferBytesPerSec;
    this.#inSwarm = new Bitfield(chunkCount);
    this.#chunkLengthBytes = chunkLengthBytes;
    this.#progressBytes = Math.max(1, progressBytes);
    // A random order, so two seeders of the same file (or two runs) do not inject the same sequence.
    this.#pool = Array.from({ length: chunkCount }, (_, i) => i);
    for (let i = this.#pool.length - 1; i > 0; i--) {
      const j = randomInt(random, i + 1);
      [this.#pool[i], this.#pool[j]] = [this.#pool[j]!, this.#pool[i]!];
    }
  }

  /** True until every chunk is in the swarm. */
  get active(): boolean {
    return !this.#inSwarm.isComplete;
  }

  get openOffers(): number {
    return this.#offers.size;
  }

  /** Some peer is quiet (`heardFrom`): it may hold offers to withdraw (`withdrawQuietOffers`). */
  get hasQuietPeers(): boolean {
    return this.#quiet.size > 0;
  }

  isOffered(peerId: string, chunkIndex: number): boolean {
    return this.#offers.get(chunkIndex)?.peerId === peerId;
  }

  /**
   * Offers a chunk the swarm lacks to a candidate: the one whose chunks offered before have spread most (fewest
   * not yet announced by another peer, its open offers aside, and its stalled offers counted), then the one with
   * fewest open offers, then the one offered a chunk longest ago. A peer that passes chunks on slowly (a student at
   * the lowest upload cap) is offered fewer: offered in turn, half a small swarm's chunks sat with two such peers,
   * spreading at 10 kB/s, and the fast peers waited for them. A peer already holding an offer is a candidate for
   * another (`#mayTakeMore`) only below `maxOffersPerPeer`, once the last offer the seeder sent it whole came at
   * `extraOfferBytesPerSec` or faster, and while its open offers keep that pace: with one offer each, a fast uploader
   * among slow ones got a chunk in two, the slow ones held the rest, and the seeder sent them again (the file about
   * twice, in a swarm of three); a peer whose download cannot take more keeps to one, so the seeder's upload still
   * reaches the others, and one that lets an offer stall, or trickles, loses the right.
   * A quiet peer is a candidate only when every candidate is quiet: then nobody else would take the offer, and a
   * swarm of such peers (each a tab that may wake) still gets offers.
   * Returns who gets which chunk, or `undefined` when no chunk or no candidate is left.
   */
  offerNext(candidates: readonly string[], nowMs: number): { peerId: string; chunkIndex: number } | undefined {
    while (this.#pool.length > 0 && this.#inSwarm.has(this.#pool.at(-1)!)) this.#pool.pop();
    if (this.#pool.length === 0) return undefined;
    const skipQuiet = this.#someNotQuiet(candidates);
    let peerId: string | undefined;
    let fewestUnspread = Infinity;
    let fewestOpen = Infinity;
    let oldest = Infinity;
    for (const candidate of candidates) {
      if (skipQuiet && this.#quiet.has(candidate)) continue;
      const open = this.#openPerPeer.get(candidate) ?? 0;
      if (open > 0 && !this.#mayTakeMore(candidate, open, nowMs)) continue;
      // Its open offers aside: a fast peer holding one still comes before a slow one holding none whose chunk sits
      // unspread (the simulator, u_s 1 MB/s, a 10 MB/s peer listed first and three at 10 kB/s, seeds 1 and 2:
      // counted, 1.24 and 1.30 × the bound; aside, 1.13 and 1.21).
      const unspread = (this.#unspread.get(candidate) ?? 0) - open;
      const last = this.#lastOfferAtMs.get(candidate) ?? -Infinity;
      if (
        unspread < fewestUnspread ||
        (unspread === fewestUnspread && (open < fewestOpen || (open === fewestOpen && last < oldest)))
      ) {
        peerId = candidate;
        fewestUnspread = unspread;
        fewestOpen = open;
        oldest = last;
      }
    }
    if (peerId === undefined) return undefined;
    const chunkIndex = this.#pool.pop()!;
    this.#offers.set(chunkIndex, {
      peerId,
      chunkIndex,
      offeredAtMs: nowMs,
      lastQuarterFromBytes: 0,
      sent: [],
      sentBytes: 0,
      newBytesSinceProgress: 0,
      progressAtMs: nowMs,
      answered: false,
    });
    this.#openPerPeer.set(peerId, fewestOpen + 1);
    this.#lastOfferAtMs.set(peerId, nowMs);
    this.#offeredTo.set(chunkIndex, peerId);
    this.#unspread.set(peerId, (this.#unspread.get(peerId) ?? 0) + 1);
    return { peerId, chunkIndex };
  }

  /**
   * Records a block of an offered chunk sent to `peerId` (`lengthBytes` from `offsetBytes`); true when that
   * completes the chunk, every byte of it sent.
   */
  recordUpload(peerId: string, chunkIndex: number, offsetBytes: number, lengthBytes: number, nowMs: number): boolean {
    const offer = this.#offers.get(chunkIndex);
    if (offer?.peerId !== peerId) return false;
    const chunkBytes = this.#chunkLengthBytes(chunkIndex);
    const added = addRange(offer, Math.max(0, offsetBytes), Math.min(chunkBytes, offsetBytes + lengthBytes));
    const [bytesBefore, lastAddedAtMs] = [offer.sentBytes, offer.lastAddedAtMs];
    offer.sentBytes += added;
    offer.newBytesSinceProgress += added;
    if (added > 0) offer.lastAddedAtMs = nowMs;
    const remaining = chunkBytes - offer.sentBytes;
    if (offer.lastQuarterFromMs === undefined && offer.sentBytes * 4 >= chunkBytes * 3) {
      const completes = remaining === 0;
      offer.lastQuarterFromMs = completes ? lastAddedAtMs : nowMs;
      offer.lastQuarterFromBytes = completes ? bytesBefore : offer.sentBytes;
    }
    if (added > 0 && (offer.newBytesSinceProgress >= this.#progressBytes || remaining === 0)) {
      offer.progressAtMs = nowMs;
      offer.newBytesSinceProgress = 0;
    }
    if (remaining > 0) return false;
    this.#close(offer);
    if (offer.lastQuarterFromMs === undefined) this.#offerBytesPerSec.delete(peerId);
    else {
      const lastQuarterMs = nowMs - offer.lastQuarterFromMs;
      const lastQuarterBytes = chunkBytes - offer.lastQuarterFromBytes;
      this.#offerBytesPerSec.set(peerId, lastQuarterMs > 0 ? (lastQuarterBytes * 1000) / lastQuarterMs : Infinity);
    }
    this.#inSwarm.set(chunkIndex);
    return true;
  }

  /**
   * `peerId` announced `chunkIndex` (a `have`, its bitfield or a `have-all`): the chunk is in the swarm, whoever sent
   * it, and is not offered again. If it is the chunk offered to that peer, the offer is fulfilled even
   * though we did not send all of it (part came from another seeder, say). Returns true when the next offer may
   * go out: the offer was fulfilled, or the peer was quiet and may be offered chunks again (`heardFrom`).
   */
  announced(peerId: string, chunkIndex: number): boolean {
    const wasQuiet = this.heardFrom(peerId);
    this.#inSwarm.set(chunkIndex);
    const offeredTo = this.#offeredTo.get(chunkIndex);
    if (offeredTo !== undefined && offeredTo !== peerId) this.#spread(chunkIndex, offeredTo);
    const offer = this.#offers.get(chunkIndex);
    if (offer?.peerId !== peerId) return wasQuiet;
    this.#close(offer);
    return true;
  }

  /**
   * `peerId` sent a request (for any chunk, even one refused) or announced a chunk: it is alive, its open offers
   * are answered, and it is no longer quiet. Returns true if it was quiet: it may be offered a chunk at once.
   */
  heardFrom(peerId: string): boolean {
    for (const offer of this.#offers.values()) if (offer.peerId === peerId) offer.answered = true;
    return this.#quiet.delete(peerId);
  }

  /**
   * Once some candidate is not quiet, withdraws the offers quiet peers hold unanswered: they were made while every
   * candidate was quiet, and a leecher joining then waited for the one it needed last until it went stale. The
   * chunk goes back to be offered next, not counted against the quiet peer (it was offered it for want of another).
   */
  withdrawQuietOffers(candidates: readonly string[]): void {
    if (this.#quiet.size === 0 || !this.#someNotQuiet(candidates)) return;
    for (const offer of [...this.#offers.values()]) {
      if (offer.answered || !this.#quiet.has(offer.peerId)) continue;
      this.#close(offer);
      this.#spread(offer.chunkIndex, offer.peerId);
      if (!this.#inSwarm.has(offer.chunkIndex)) this.#pool.push(offer.chunkIndex);
    }
  }

  /**
   * Offers that made no progress for `timeoutMs`: their peers are not taking them. And a peer's second offer (or
   * later) that fell behind the pace that earned it (a chunk's worth of bytes behind `extraOfferBytesPerSec`): a peer
   * that took one offer fast and then trickled a block now and then held both of the seeder's slots, every other
   * leecher waiting (found by review).
   */
  staleOffers(nowMs: number, timeoutMs: number): { peerId: string; chunkIndex: number }[] {
    const stale = [...this.#offers.values()].filter((offer) => nowMs - offer.progressAtMs > timeoutMs);
    for (const [peerId, open] of this.#openPerPeer) {
      if (open < 2) continue;
      const newest = this.#offersOf(peerId).reduce((a, b) => (b.offeredAtMs > a.offeredAtMs ? b : a));
      if (!stale.includes(newest) && this.#behindPace(newest, nowMs)) stale.push(newest);
    }
    return stale.map(({ peerId, chunkIndex }) => ({ peerId, chunkIndex }));
  }

  /** The peer left: every chunk offered to it is withdrawn (`withdraw`), and what was known of it forgotten. */
  withdrawAll(peerId: string): void {
    for (const offer of this.#offersOf(peerId)) this.withdraw(peerId, offer.chunkIndex);
    this.#offerBytesPerSec.delete(peerId);
    this.#quiet.delete(peerId);
  }

  /**
   * The peer stalled on its offer of `chunkIndex` (or left): the chunk goes back to be offered next, unless the
   * swarm holds it by now (another peer announced it meanwhile), in which case sending it again would spend the
   * seeder's upload on a chunk the swarm already has. A peer that answered nothing since the offer was made is quiet.
   */
  withdraw(peerId: string, chunkIndex: number): void {
    const offer = this.#offers.get(chunkIndex);
    if (offer?.peerId !== peerId) return;
    this.#close(offer);
    if (!offer.answered) this.#quiet.add(peerId);
    // A stall is the slowest rate there is: no second offer until one is sent it whole, fast, again.
    this.#offerBytesPerSec.delete(peerId);
    // Still counted against the peer: one that lets its offers go stale (asking a byte now and then) must not come
    // first for the next (it was offered the same chunk again and again, and the honest leecher never got it).
    this.#offeredTo.delete(offer.chunkIndex);
    if (!this.#inSwarm.has(offer.chunkIndex)) this.#pool.push(offer.chunkIndex);
  }

  /**
   * Whether a peer holding `open` offers may be offered one more: below `maxOffersPerPeer`, the last offer sent it
   * whole came at `extraOfferBytesPerSec` or faster, and its open offers keep that pace.
   */
  #mayTakeMore(peerId: string, open: number, nowMs: number): boolean {
    // No upload cap (Infinity): no share to compare with. An offer sent whole at one instant came at Infinity.
    if (open >= this.#maxOffersPerPeer || !Number.isFinite(this.#extraOfferBytesPerSec)) return false;
    if (!((this.#offerBytesPerSec.get(peerId) ?? 0) >= this.#extraOfferBytesPerSec)) return false;
    return this.#offersOf(peerId).every((offer) => !this.#behindPace(offer, nowMs));
  }

  /** A chunk's worth of bytes behind what `extraOfferBytesPerSec` would have sent since it was offered. */
  #behindPace(offer: Offer, nowMs: number): boolean {
    const dueBytes = (this.#extraOfferBytesPerSec * (nowMs - offer.offeredAtMs)) / 1000;
    return offer.sentBytes < dueBytes - this.#chunkLengthBytes(offer.chunkIndex);
  }

  #someNotQuiet(candidates: readonly string[]): boolean {
    return this.#quiet.size === 0 || candidates.some((candidate) => !this.#quiet.has(candidate));
  }

  #offersOf(peerId: string): Offer[] {
    return [...this.#offers.values()].filter((offer) => offer.peerId === peerId);
  }

  #close(offer: Offer): void {
    this.#offers.delete(offer.chunkIndex);
    const open = (this.#openPerPeer.get(offer.peerId) ?? 1) - 1;
    if (open > 0) this.#openPerPeer.set(offer.peerId, open);
    else this.#openPerPeer.delete(offer.peerId);
  }

  /** The chunk offered to `peerId` was announced by another peer: it spread. */
  #spread(chunkIndex: number, peerId: string): void {
    if (this.#offeredTo.get(chunkIndex) !== peerId) return;
    this.#offeredTo.delete(chunkIndex);
    this.#unspread.set(peerId, (this.#unspread.get(peerId) ?? 1) - 1);
  }
}

/**
 * Separate ranges an offer's bytes sent are kept as, at most: an honest peer asks whole blocks (8 of a 256 KiB
 * chunk, 32 of 1 MiB), so even asked out of order they merge into a few. A peer asking 1-byte ranges at every other
 * offset made each new range cost a copy and a sort of all the others: 24 s of the seeder's CPU for 390 KB of
 * requests (found by review). A range past these is served, but counts nothing towards the offer.
 */
export const MAX_OFFER_RANGES = 64;

/** Adds `[start, end)` to the offer's ranges sent, merging; returns how many of its bytes were not sent before. */
function addRange(offer: Offer, start: number, end: number): number {
  if (end <= start) return 0;
  if (offer.sent.length >= MAX_OFFER_RANGES && !offer.sent.some(([from, to]) => to >= start && from <= end)) return 0;
  let mergedStart = start;
  let mergedEnd = end;
  let overlap = 0;
  const kept: (readonly [number, number])[] = [];
  for (const range of offer.sent) {
    const [from, to] = range;
    if (to < start || from > end) {
      kept.push(range);
      continue;
    }
    // Touching or overlapping: one range with the new one.
    overlap += Math.max(0, Math.min(to, end) - Math.max(from, start));
    mergedStart = Math.min(mergedStart, from);
    mergedEnd = Math.max(mergedEnd, to);
  }
  kept.push([mergedStart, mergedEnd]);
  kept.sort((a, b) => a[0] - b[0]);
  offer.sent = kept;
  return end - start - overlap;
}
