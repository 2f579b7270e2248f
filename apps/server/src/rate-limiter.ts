/** Milliseconds on a monotonic clock; injectable so tests control time. */
export type ClockMs = () => number;

export interface TokenBucketOptions {
  /** Tokens the bucket holds when full: the largest burst allowed. */
  readonly capacity: number;
  /** Tokens added per second, up to `capacity`: the sustained rate allowed. */
  readonly refillPerSec: number;
  readonly nowMs?: ClockMs;
}

export interface TokenBucket {
  /** Takes one token and returns true, or returns false (taking nothing) when the bucket is empty. */
  tryTake(): boolean;
}

/** A token bucket: bursts up to `capacity`, then `refillPerSec` on average. Starts full. */
export function createTokenBucket(options: TokenBucketOptions): TokenBucket {
  const nowMs = options.nowMs ?? (() => performance.now());
  let tokens = options.capacity;
  let lastRefillMs = nowMs();
  return {
    tryTake() {
      const currentMs = nowMs();
      const elapsedMs = Math.max(0, currentMs - lastRefillMs);
      tokens = Math.min(options.capacity, tokens + (elapsedMs * options.refillPerSec) / 1000);
      lastRefillMs = currentMs;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}
