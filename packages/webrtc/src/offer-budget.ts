import type { PeerId } from '@swarmlab/protocol';

/** Offers from one peer a tab answers at once (`OfferBudget`): its tries after failures, and more. */
export const OFFER_BURST = 4;
/** One more offer from that peer is answered each interval. */
export const OFFER_REFILL_MS = 5000;

/**
 * How many offers from each peer this tab answers. Each answered offer costs it an RTCPeerConnection, and an
 * answer and its candidates sent through its own signalling budget, three times the bytes of the offer: a member
 * sending one offer again and again (its budget allows 45 a second) had the server refuse the tab's own reports
 * within 17 s and disconnect it within 32, the seeder as well as any leecher (found by review). An honest peer
 * offers once, then again only after a failure, at most `MAX_CONNECT_ATTEMPTS` times seconds apart; offers past
 * the budget are ignored (its try times out, and it tries again later). A token bucket per peer, forgotten
 * when the peer leaves.
 */
export class OfferBudget {
  readonly #nowMs: () => number;
  readonly #buckets = new Map<PeerId, { tokens: number; atMs: number }>();

  constructor(nowMs: () => number = () => performance.now()) {
    this.#nowMs = nowMs;
  }

  /** Whether an offer from `peerId` is answered now; takes one from its budget if so. */
  take(peerId: PeerId): boolean {
    const nowMs = this.#nowMs();
    const bucket = this.#buckets.get(peerId) ?? { tokens: OFFER_BURST, atMs: nowMs };
    const tokens = Math.min(OFFER_BURST, bucket.tokens + Math.max(0, nowMs - bucket.atMs) / OFFER_REFILL_MS);
    const answered = tokens >= 1;
    this.#buckets.set(peerId, { tokens: answered ? tokens - 1 : tokens, atMs: nowMs });
    return answered;
  }

  forget(peerId: PeerId): void {
    this.#buckets.delete(peerId);
  }
}
