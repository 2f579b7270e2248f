/** Balances this close to zero count as zero: floating-point refills land a hair short. */
const ROUNDING_BYTES = 1e-6;

/**
 * Shapes one direction of an emulated access link to `rateBytesPerSec`, as a token bucket: a send may
 * take tokens while the balance is not negative (it may then go negative by one message), and the next
 * waits until the balance is back to zero. `burstBytes` caps how much idle time can be saved up; the
 * bucket starts full.
 */
export class LinkShaper {
  readonly rateBytesPerSec: number;
  readonly #burstBytes: number;
  #tokens: number;
  #updatedAtMs: number;

  constructor(rateBytesPerSec: number, burstBytes: number, nowMs: number) {
    this.rateBytesPerSec = rateBytesPerSec;
    this.#burstBytes = burstBytes;
    this.#tokens = burstBytes;
    this.#updatedAtMs = nowMs;
  }

  /** Takes `bytes` unless the balance is negative; returns false (taking nothing) then. */
  tryTake(bytes: number, nowMs: number): boolean {
    this.#refill(nowMs);
    if (this.#tokens < -ROUNDING_BYTES) return false;
    this.#tokens -= bytes;
    return true;
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
