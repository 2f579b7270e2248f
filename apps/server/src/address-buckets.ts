import type { AddressKey } from './address-quotas';
import type { ClockMs } from './clock-ms';
import { createTokenBucket, type TokenBucket } from './token-bucket';

/** How often, at most, buckets that have refilled are dropped (as one is used, never on a timer). */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * A token bucket per network address, of one kind (failed code lookups, large answers), kept only while it is not
 * full again: an address that behaved holds nothing. Full buckets are dropped as buckets are used, at most once a
 * minute, so no timer outlives the server.
 */
export class AddressBuckets {
  readonly #capacity: number;
  readonly #refillPerSec: number;
  readonly #nowMs: ClockMs;
  readonly #buckets = new Map<AddressKey, TokenBucket>();
  #sweptAtMs: number;

  constructor(options: { readonly capacity: number; readonly refillPerSec: number; readonly nowMs: ClockMs }) {
    this.#capacity = options.capacity;
    this.#refillPerSec = options.refillPerSec;
    this.#nowMs = options.nowMs;
    this.#sweptAtMs = options.nowMs();
  }

  /** `address`'s balance: the capacity for an address without a bucket. */
  balance(address: AddressKey): number {
    return this.#buckets.get(address)?.balance() ?? this.#capacity;
  }

  /** `address`'s bucket, made full if it had none. */
  of(address: AddressKey): TokenBucket {
    this.#sweep();
    let bucket = this.#buckets.get(address);
    if (!bucket) {
      bucket = createTokenBucket({ capacity: this.#capacity, refillPerSec: this.#refillPerSec, nowMs: this.#nowMs });
      this.#buckets.set(address, bucket);
    }
    return bucket;
  }

  /** `address`'s bucket if it has one (nothing is made). */
  existing(address: AddressKey): TokenBucket | undefined {
    return this.#buckets.get(address);
  }

  /** Addresses with a bucket held. */
  get size(): number {
    return this.#buckets.size;
  }

  #sweep(): void {
    const nowMs = this.#nowMs();
    if (nowMs - this.#sweptAtMs < SWEEP_INTERVAL_MS) return;
    this.#sweptAtMs = nowMs;
    for (const [address, bucket] of this.#buckets)
      if (bucket.balance() >= this.#capacity) this.#buckets.delete(address);
  }
}
