import { describe, expect, it } from 'vitest';
import { createTokenBucket } from '../src/token-bucket';

function takeAll(limiter: { tryTake(): boolean }, attempts: number): number {
  let taken = 0;
  for (let i = 0; i < attempts; i++) if (limiter.tryTake()) taken++;
  return taken;
}

describe('token bucket', () => {
  it('allows a full burst, then nothing until time passes', () => {
    const nowMs = 1000;
    const limiter = createTokenBucket({ capacity: 200, refillPerSec: 100, nowMs: () => nowMs });
    expect(takeAll(limiter, 250)).toBe(200);
    expect(limiter.tryTake()).toBe(false);
  });

  it('refills at the sustained rate, in fractions of a token', () => {
    let nowMs = 0;
    const limiter = createTokenBucket({ capacity: 10, refillPerSec: 100, nowMs: () => nowMs });
    takeAll(limiter, 10);
    nowMs += 5; // half a token
    expect(limiter.tryTake()).toBe(false);
    nowMs += 5; // the other half
    expect(limiter.tryTake()).toBe(true);
    expect(limiter.tryTake()).toBe(false);
    nowMs += 50;
    expect(takeAll(limiter, 10)).toBe(5);
  });

  it('never holds more than its capacity, however long it idles', () => {
    let nowMs = 0;
    const limiter = createTokenBucket({ capacity: 3, refillPerSec: 1, nowMs: () => nowMs });
    nowMs += 3_600_000;
    expect(takeAll(limiter, 10)).toBe(3);
  });

  it('does not mint tokens when the clock goes backwards', () => {
    let nowMs = 10_000;
    const limiter = createTokenBucket({ capacity: 2, refillPerSec: 1, nowMs: () => nowMs });
    takeAll(limiter, 2);
    nowMs -= 5000;
    expect(limiter.tryTake()).toBe(false);
    nowMs += 1000;
    expect(limiter.tryTake()).toBe(true);
  });

  it('takes any amount, and charges into debt that the refill pays back first', () => {
    let nowMs = 0;
    const bytes = createTokenBucket({ capacity: 1000, refillPerSec: 1000, nowMs: () => nowMs });
    expect(bytes.tryTake(600)).toBe(true);
    expect(bytes.tryTake(600)).toBe(false);
    bytes.charge(900);
    expect(bytes.balance()).toBe(-500);
    expect(bytes.tryTake(1)).toBe(false);
    nowMs += 500;
    expect(bytes.balance()).toBe(0);
    nowMs += 10_000;
    expect(bytes.balance()).toBe(1000);
  });

  it('runs no deeper into debt than `maxDebt`', () => {
    let nowMs = 0;
    const bytes = createTokenBucket({ capacity: 1000, refillPerSec: 1000, maxDebt: 2000, nowMs: () => nowMs });
    bytes.charge(10_000);
    expect(bytes.balance()).toBe(-2000);
    nowMs += 2000;
    expect(bytes.balance()).toBe(0);
  });
});
