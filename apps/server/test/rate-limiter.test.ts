import { describe, expect, it } from 'vitest';
import { createTokenBucket } from '../src/rate-limiter';

function takeAll(bucket: { tryTake(): boolean }, attempts: number): number {
  let taken = 0;
  for (let i = 0; i < attempts; i++) if (bucket.tryTake()) taken++;
  return taken;
}

describe('token bucket', () => {
  it('allows a full burst, then nothing until time passes', () => {
    const nowMs = 1000;
    const bucket = createTokenBucket({ capacity: 200, refillPerSec: 100, nowMs: () => nowMs });
    expect(takeAll(bucket, 250)).toBe(200);
    expect(bucket.tryTake()).toBe(false);
  });

  it('refills at the sustained rate, in fractions of a token', () => {
    let nowMs = 0;
    const bucket = createTokenBucket({ capacity: 10, refillPerSec: 100, nowMs: () => nowMs });
    takeAll(bucket, 10);
    nowMs += 5; // half a token
    expect(bucket.tryTake()).toBe(false);
    nowMs += 5; // the other half
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake()).toBe(false);
    nowMs += 50;
    expect(takeAll(bucket, 10)).toBe(5);
  });

  it('never holds more than its capacity, however long it idles', () => {
    let nowMs = 0;
    const bucket = createTokenBucket({ capacity: 3, refillPerSec: 1, nowMs: () => nowMs });
    nowMs += 3_600_000;
    expect(takeAll(bucket, 10)).toBe(3);
  });

  it('does not mint tokens when the clock goes backwards', () => {
    let nowMs = 10_000;
    const bucket = createTokenBucket({ capacity: 2, refillPerSec: 1, nowMs: () => nowMs });
    takeAll(bucket, 2);
    nowMs -= 5000;
    expect(bucket.tryTake()).toBe(false);
    nowMs += 1000;
    expect(bucket.tryTake()).toBe(true);
  });
});
