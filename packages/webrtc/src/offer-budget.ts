import type { PeerId } from '@swarmlab/protocol';

/** Offers from one peer a tab answers at once (`OfferBudget`): its tries after failures, and more. */
export const OFFER_BURST = 4;
/** One more offer from that peer is answered each interval. */
export const OFFER_REFILL_MS = 5000;
/**
 * Offers from all peers together a tab answers at once: a class of 64 arriving together (the server's
 * `maxPeersPerSwarm`), each offering the seeder.
 */
export const OFFERS_BURST = 64;
/** Then four a second, all peers together: 18 kB/s of answers, a quarter of the tab's signalling budget. */
export const OFFERS_REFILL_MS = 250;

/** A token bucket on an injected clock. */
class Bucket {
  #tokens: number;
  #atMs: number;

  constructor(
    readonly burst: number,
    readonly refillMs: number,
    nowMs: number,
  ) {
    this.#tokens = burst;
    this.#atMs = nowMs;
  }

  /** Whether a token is there now (refilled up to `nowMs`). */
  has(nowMs: number): boolean {
    this.#tokens = Math.min(this.burst, this.#tokens + Math.max(0, nowMs - this.#atMs) / this.refillMs);
    this.#atMs = nowMs;
    return this.#tokens >= 1;
  }

  take(): void {
    this.#tokens -= 1;
  }
}

/**
 * How many offers this tab answers. Each answered offer costs it an RTCPeerConnection, and an answer and its
 * candidates sent through its own signalling budget, three times the bytes of the offer: a member sending one
 * offer again and again (its budget allows 45 a second) had the server refuse the tab's own reports within 17 s
 * and disconnect it within 32, the seeder as well as any leecher (found by review). An honest peer offers once,
 * then again only after a failure, at most `MAX_CONNECT_ATTEMPTS` times seconds apart; offers past the budget
 * are ignored (the offering side's try times out, and it tries again later).
 *
 * Two token buckets, both of which an offer must find a token in: one per peer (forgotten when it leaves), and
 * one for all peers together, which a member leaving and joining again under a new peer id each time (a fresh
 * bucket of its own each time) cannot refill faster than it drips (found by the next review).
 */
export class OfferBudget {
  readonly #nowMs: () => number;
  readonly #perPeer = new Map<PeerId, Bucket>();
  #all: Bucket | undefined;

  constructor(nowMs: () => number = () => performance.now()) {
    this.#nowMs = nowMs;
  }

  /** Whether an offer from `peerId` is answered now; takes its tokens if so. */
  take(peerId: PeerId): boolean {
    const nowMs = this.#nowMs();
    const peer = this.#perPeer.get(peerId) ?? new Bucket(OFFER_BURST, OFFER_REFILL_MS, nowMs);
    this.#perPeer.set(peerId, peer);
    const all = (this.#all ??= new Bucket(OFFERS_BURST, OFFERS_REFILL_MS, nowMs));
    // Both refilled first, whatever the answer: a refused offer costs nothing.
    const [peerHas, allHas] = [peer.has(nowMs), all.has(nowMs)];
    if (!peerHas || !allHas) return false;
    peer.take();
    all.take();
    return true;
  }

  forget(peerId: PeerId): void {
    this.#perPeer.delete(peerId);
  }
}
