/**
 * A token bucket that emulates an access link of `rateBytesPerSec`: a send may take tokens while any
 * are left (the balance may go negative by one message), and the next waits until the balance is
 * back above zero. `burstBytes` caps how much idle time can be saved up.
 */
export class TokenBucket {
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

  /** Takes `bytes` if the balance is positive; returns false (taking nothing) otherwise. */
  tryTake(bytes: number, nowMs: number): boolean {
    this.#refill(nowMs);
    if (this.#tokens <= 0) return false;
    this.#tokens -= bytes;
    return true;
  }

  /** Milliseconds until `tryTake` can succeed. */
  msUntilAvailable(nowMs: number): number {
    this.#refill(nowMs);
    return this.#tokens > 0 ? 0 : ((-this.#tokens + 1) / this.rateBytesPerSec) * 1000;
  }

  #refill(nowMs: number): void {
    const elapsedMs = nowMs - this.#updatedAtMs;
    if (elapsedMs <= 0) return;
    this.#tokens = Math.min(this.#burstBytes, this.#tokens + (elapsedMs / 1000) * this.rateBytesPerSec);
    this.#updatedAtMs = nowMs;
  }
}
