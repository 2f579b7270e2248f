import { describe, expect, it } from 'vitest';
import { MAX_RATE_POINTS, RateHistory } from '../src/lib/state/rate-history.svelte';

describe('RateHistory', () => {
  it(`keeps the latest ${MAX_RATE_POINTS} samples, and none after a reset`, () => {
    const rates = new RateHistory();
    for (let i = 0; i < MAX_RATE_POINTS + 5; i++) rates.add(i * 250, i, 2 * i);
    expect(rates.points).toHaveLength(MAX_RATE_POINTS);
    expect(rates.points[0]).toEqual({ atMs: 5 * 250, uploadBytesPerSec: 5, downloadBytesPerSec: 10 });
    rates.reset();
    expect(rates.points).toEqual([]);
  });
});
