import type { ClockMs } from './clock-ms';

export interface TokenBucketOptions {
  /** Tokens held when full: the largest burst. */
  readonly capacity: number;
  /** Tokens added per second, up to `capacity`: the sustained rate. */
  readonly refillPerSec: number;
  /** The deepest debt `charge` runs up (absent: none deeper than what is charged). */
  readonly maxDebt?: number;
  readonly nowMs?: ClockMs;
}

/** A token bucket, the rate limit of one socket's requests (a token each) or received bytes (a token a byte). */
export interface TokenBucket {
  /** Takes `tokens` (1 by default) and returns true, or returns false, taking nothing, when fewer are left. */
  tryTake(tokens?: number): boolean;
  /**
   * Takes `tokens` whatever is left: the balance may go below zero (down to `maxDebt`), a debt the refill pays back
   * first.
   */
  charge(tokens: number): void;
  /** Tokens left now; negative while in debt. */
  balance(): number;
}

/** Bursts up to `capacity`, then `refillPerSec` on average. Starts full. */
export function createTokenBucket(options: TokenBucketOptions): TokenBucket {
  const nowMs = options.nowMs ?? (() => performance.now());
  let tokens = options.capacity;
  let lastRefillMs = nowMs();
  const refill = (): void => {
    const currentMs = nowMs();
    const elapsedMs = Math.max(0, currentMs - lastRefillMs);
    tokens = Math.min(options.capacity, tokens + (elapsedMs * options.refillPerSec) / 1000);
    lastRefillMs = currentMs;
  };
  return {
    tryTake(wanted = 1) {
      refill();
      if (tokens < wanted) return false;
      tokens -= wanted;
      return true;
    },
    charge(spent) {
      refill();
      tokens = Math.max(tokens - spent, -(options.maxDebt ?? Infinity));
    },
    balance() {
      refill();
      return tokens;
    },
  };
}
