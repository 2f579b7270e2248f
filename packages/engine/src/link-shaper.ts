/** Balances this close to zero count as zero: floating-point refills land a hair short. */
const ROUNDING_BYTES = 1e-6;

/**
 * Shapes one direction of an emulated access link to `rateBytesPerSec`, as a token bucket: a send may
 * take tokens while the balance is not negative (it may then go negative by one message), and the next
 * waits until the balance is back to zero. `burstBytes` caps how much idle time can be saved up.
 *
 * The bucket starts `initialDebtBytes` in debt (none by default). An engine starts its links one block in
 * debt (no larger than the file or its chunks): the first block then leaves once a link of that rate would have carried it, and block k at k blocks'
 * time, as in the fluid model of the bounds. A bucket that started full (plus the one message of debt it
 * allows) gave every shaped link a head start of a burst and a block: 6.5 s at 10 kB/s, enough for a small
 * file's run to come in under its "minimum" distribution time.
 */
export class LinkShaper {
  readonly rateBytesPerSec: number;
  readonly #burstBytes: number;
  #tokens: number;
  #updatedAtMs: number;

  constructor(rateBytesPerSec: number, burstBytes: number, nowMs: number, initialDebtBytes = 0) {
    this.rateBytesPerSec = rateBytesPerSec;
    this.#burstBytes = burstBytes;
    this.#tokens = -initialDebtBytes;
    this.#updatedAtMs = nowMs;
  }

  /** Takes `bytes` unless the balance is negative; returns false (taking nothing) then. */
  tryTake(bytes: number, nowMs: number): boolean {
    this.#refill(nowMs);
    if (this.#tokens < -ROUNDING_BYTES) return false;
    this.#tokens -= bytes;
    return true;
  }

  /**
   * Gives back `bytes` taken for something that will not cross the link after all (a request given up
   * without its block), up to the burst.
   */
  refund(bytes: number, nowMs: number): void {
    this.#refill(nowMs);
    this.#tokens = Math.min(this.#burstBytes, this.#tokens + bytes);
  }

  /** Takes `bytes` that crossed the link whatever the balance (a block for a request given up and refunded). */
  charge(bytes: number, nowMs: number): void {
    this.#refill(nowMs);
    this.#tokens -= bytes;
  }

  /** Milliseconds until `tryTake` can succeed. */
  msUntilAvailable(nowMs: number): number {
    this.#refill(nowMs);
    return this.#tokens >= -ROUNDING_BYTES ? 0 : (-this.#tokens / this.rateBytesPerSec) * 1000;
  }

  #refill(nowMs: number): void {
    const elapsedMs = nowMs - this.#updatedAtMs;
    if (elapsedMs <= 0) return;
    this.#tokens = Math.min(this.#burstBytes, this.#tokens + (elapsedMs / 1000) * this.rateBytesPerSec);
    this.#updatedAtMs = nowMs;
  }
}
