import type { ClockMs } from './clock-ms';
import { createTokenBucket, type TokenBucket } from './token-bucket';

/**
 * Answers per source address: a browser asks a STUN server a few times per connection it makes (a tab connecting to
 * 60 classmates at once, about 60 requests and their retransmissions), so a burst of 200, then 50 a second.
 */
export const STUN_ANSWERS_PER_SOURCE = { capacity: 200, refillPerSec: 50 } as const;
/** Answers to sources with no signalling connection, in all: past it, a flood of forged sources. */
export const STUN_ANSWERS_IN_ALL = { capacity: 5000, refillPerSec: 1000 } as const;
/**
 * Unconnected source addresses whose budgets are kept (a connected client's are kept under its connection's key, as
 * many as there are connected clients, and count towards it too).
 */
export const MAX_STUN_SOURCES = 4096;
/** How often, at most, a full table of sources is swept of those whose budgets are whole again. */
const SWEEP_INTERVAL_MS = 1000;

/**
 * How many STUN answers the LAN responder still gives. An answer is at most 24 bytes longer than the request it
 * answers (a bare 20-byte request gets 32 bytes over IPv4, 44 over IPv6), so a forged source address could use the
 * responder to send its victim about twice what it sends: each source address gets `STUN_ANSWERS_PER_SOURCE`, and
 * sources with no signalling connection to this server (a student's laptop has one before it asks) share
 * `STUN_ANSWERS_IN_ALL`, so that such a flood cannot starve a class (found by review: a forged flood drained a single
 * shared budget, and a real student went unanswered). At most `MAX_STUN_SOURCES` unconnected sources are kept; a
 * source is forgotten only once its budget is whole again (forgetting any refilled a drained one at once), and while
 * none is, a new one gets no answer.
 */
export class StunAnswerBudget {
  readonly #nowMs: ClockMs;
  readonly #perSource = new Map<string, TokenBucket>();
  readonly #inAll: TokenBucket;
  #sweptAtMs = -Infinity;

  constructor(nowMs: ClockMs = () => performance.now()) {
    this.#nowMs = nowMs;
    this.#inAll = createTokenBucket({ ...STUN_ANSWERS_IN_ALL, nowMs });
  }

  /**
   * Whether `source` may be answered now (taking an answer from its budgets if so); `connected`: `source` is the key of
   * a signalling connection to this server (every address it covers shares one budget), not held to the budget of all.
   */
  tryAnswer(source: string, connected = false): boolean {
    let bucket = this.#perSource.get(source);
    if (!bucket) {
      if (this.#perSource.size >= MAX_STUN_SOURCES && !connected && !this.#sweep()) return false;
      bucket = createTokenBucket({ ...STUN_ANSWERS_PER_SOURCE, nowMs: this.#nowMs });
      this.#perSource.set(source, bucket);
    }
    if (bucket.balance() < 1 || (!connected && this.#inAll.balance() < 1)) return false;
    bucket.tryTake();
    if (!connected) this.#inAll.tryTake();
    return true;
  }

  /** Forgets the sources whose budgets are whole again (at most once a second); whether there is room now. */
  #sweep(): boolean {
    const nowMs = this.#nowMs();
    if (nowMs - this.#sweptAtMs >= SWEEP_INTERVAL_MS) {
      this.#sweptAtMs = nowMs;
      for (const [address, bucket] of this.#perSource)
        if (bucket.balance() >= STUN_ANSWERS_PER_SOURCE.capacity) this.#perSource.delete(address);
    }
    return this.#perSource.size < MAX_STUN_SOURCES;
  }
}
