import { Bitfield } from '@swarmlab/protocol';
import { randomInt, type Random } from './random';

interface Offer {
  readonly chunkIndex: number;
  sentBytes: number;
  progressAtMs: number;
}

/**
 * Super-seeding: while some chunk has never left the seeder whole, the seeder advertises no chunks.
 * Instead it offers (with `have`) one chunk nobody has had from it to one peer at a time, keeping a
 * few such offers open, each with a different peer, handed out in turn. Its scarce upload thus never
 * carries one chunk twice before every chunk is in the swarm (the seed's F/u_s term is only reachable
 * that way), and consecutive chunks land on different peers, which spreads them fastest. Once every
 * chunk has been uploaded whole, the seeder reveals everything and seeds normally.
 */
export class SuperSeeder {
  readonly #pool: number[];
  readonly #uploadedOnce: Bitfield;
  readonly #offers = new Map<string, Offer>();
  readonly #lastOfferAtMs = new Map<string, number>();
  readonly #chunkLengthBytes: (chunkIndex: number) => number;

  constructor(chunkCount: number, chunkLengthBytes: (chunkIndex: number) => number, random: Random) {
    this.#uploadedOnce = new Bitfield(chunkCount);
    this.#chunkLengthBytes = chunkLengthBytes;
    // A random order, so two seeders of the same file (or two runs) do not inject the same sequence.
    this.#pool = Array.from({ length: chunkCount }, (_, i) => i);
    for (let i = this.#pool.length - 1; i > 0; i--) {
      const j = randomInt(random, i + 1);
      [this.#pool[i], this.#pool[j]] = [this.#pool[j]!, this.#pool[i]!];
    }
  }

  /** True until every chunk has been uploaded whole at least once. */
  get active(): boolean {
    return !this.#uploadedOnce.isComplete;
  }

  get openOffers(): number {
    return this.#offers.size;
  }

  isOffered(peerId: string, chunkIndex: number): boolean {
    return this.#offers.get(peerId)?.chunkIndex === chunkIndex;
  }

  /**
   * Offers a never-sent chunk to the candidate without an open offer that was offered one longest ago.
   * Returns who gets which chunk, or `undefined` when no chunk or no candidate is left.
   */
  offerNext(candidates: readonly string[], nowMs: number): { peerId: string; chunkIndex: number } | undefined {
    if (this.#pool.length === 0) return undefined;
    let peerId: string | undefined;
    let oldest = Infinity;
    for (const candidate of candidates) {
      const last = this.#lastOfferAtMs.get(candidate) ?? -Infinity;
      if (!this.#offers.has(candidate) && last < oldest) {
        peerId = candidate;
        oldest = last;
      }
    }
    if (peerId === undefined) return undefined;
    const chunkIndex = this.#pool.pop()!;
    this.#offers.set(peerId, { chunkIndex, sentBytes: 0, progressAtMs: nowMs });
    this.#lastOfferAtMs.set(peerId, nowMs);
    return { peerId, chunkIndex };
  }

  /** Records bytes of an offered chunk sent to `peerId`; true when that completes the chunk. */
  recordUpload(peerId: string, chunkIndex: number, bytes: number, nowMs: number): boolean {
    const offer = this.#offers.get(peerId);
    if (offer?.chunkIndex !== chunkIndex) return false;
    offer.sentBytes += bytes;
    offer.progressAtMs = nowMs;
    if (offer.sentBytes < this.#chunkLengthBytes(chunkIndex)) return false;
    this.#offers.delete(peerId);
    this.#uploadedOnce.set(chunkIndex);
    return true;
  }

  /** A peer announced `chunkIndex` (from another seeder, say): it is in the swarm, no need to send it. */
  seenInSwarm(chunkIndex: number): void {
    const position = this.#pool.indexOf(chunkIndex);
    if (position < 0) return;
    this.#pool.splice(position, 1);
    this.#uploadedOnce.set(chunkIndex);
  }

  /** Peers whose offer made no progress for `timeoutMs`: they are not taking it. */
  staleOffers(nowMs: number, timeoutMs: number): string[] {
    return [...this.#offers].filter(([, offer]) => nowMs - offer.progressAtMs > timeoutMs).map(([peerId]) => peerId);
  }

  /** The peer left or stalled: a chunk it did not get whole goes back to be offered again. */
  withdraw(peerId: string): void {
    const offer = this.#offers.get(peerId);
    if (offer) this.#pool.push(offer.chunkIndex);
    this.#offers.delete(peerId);
  }
}
