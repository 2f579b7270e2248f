import type { ClockMs } from './clock-ms';
import { createTokenBucket, type TokenBucket } from './token-bucket';

/**
 * Answers per source address: a browser asks a STUN server a few times per connection it makes (a tab connecting to
 * 60 classmates at once, about 60 requests and their retransmissions), so a burst of 200, then 50 a second.
 */
export const STUN_ANSWERS_PER_SOURCE = { capacity: 200, refillPerSec: 50 } as const;
/** Answers of the whole responder: a class of 60 joining at once asks about 60 × 60; past it, a flood. */
export const STUN_ANSWERS_IN_ALL = { capacity: 5000, refillPerSec: 1000 } as const;
/** Source addresses whose budgets are kept; past it they are all forgotten (each starts full again). */
export const MAX_STUN_SOURCES = 4096;

/**
 * How many STUN answers the LAN responder still gives, per source address and in all. An answer is at most 24 bytes
 * longer than the request it answers (a bare 20-byte request gets 32 bytes over IPv4, 44 over IPv6), so a forged
 * source address could use the responder to send its victim about twice what it sends: these budgets cap what any
 * one address receives, and what the responder sends at all.
 */
export class StunAnswerBudget {
  readonly #nowMs: ClockMs | undefined;
  readonly #perSource = new Map<string, TokenBucket>();
  readonly #inAll: TokenBucket;

  constructor(nowMs?: ClockMs) {
    this.#nowMs = nowMs;
    this.#inAll = createTokenBucket({ ...STUN_ANSWERS_IN_ALL, ...(nowMs && { nowMs }) });
  }

  /** Whether `address` may be answered now (taking an answer from both budgets if so). */
  tryAnswer(address: string): boolean {
    let bucket = this.#perSource.get(address);
    if (!bucket) {
      if (this.#perSource.size >= MAX_STUN_SOURCES) this.#perSource.clear();
      bucket = createTokenBucket({ ...STUN_ANSWERS_PER_SOURCE, ...(this.#nowMs && { nowMs: this.#nowMs }) });
      this.#perSource.set(address, bucket);
    }
    if (bucket.balance() < 1 || this.#inAll.balance() < 1) return false;
    bucket.tryTake();
    this.#inAll.tryTake();
    return true;
  }
}
