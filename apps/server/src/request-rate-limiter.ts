import type { ClockMs } from './clock-ms';

export interface RequestRateLimiterOptions {
  /** Requests allowed at once, when the limiter is full: the largest burst. */
  readonly capacity: number;
  /** Requests allowed per second on average, refilled up to `capacity`: the sustained rate. */
  readonly refillPerSec: number;
  readonly nowMs?: ClockMs;
}

/** One socket's request rate limit (a token bucket): every request takes one token. */
export interface RequestRateLimiter {
  /** Takes one token and returns true, or returns false (taking nothing) when none is left. */
  tryTake(): boolean;
}

/** Bursts up to `capacity` requests, then `refillPerSec` on average. Starts full. */
export function createRequestRateLimiter(options: RequestRateLimiterOptions): RequestRateLimiter {
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
