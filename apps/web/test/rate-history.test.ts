import { describe, expect, it } from 'vitest';
import { MAX_RATE_POINTS, RateHistory } from '../src/lib/state/rate-history.svelte';

describe('RateHistory', () => {
  it(`keeps at most ${MAX_RATE_POINTS} samples of the whole run, and none after a reset`, () => {
    const rates = new RateHistory();
    for (let i = 0; i < MAX_RATE_POINTS * 3; i++) rates.add(1000 + i * 250, i, 2 * i);
    expect(rates.points.length).toBeLessThanOrEqual(MAX_RATE_POINTS);
    // The run's first sample stays (dropping the oldest, a long run's chart lost its start).
    expect(rates.points[0]).toEqual({ atMs: 1000, sinceStartMs: 0, uploadBytesPerSec: 0, downloadBytesPerSec: 0 });
    rates.reset();
    expect(rates.points).toEqual([]);
  });

  it('times samples from the first one after a reset', () => {
    const rates = new RateHistory();
    rates.add(1000, 1, 1);
    rates.reset();
    for (let i = 0; i < MAX_RATE_POINTS * 2; i++) rates.add(5000 + i * 250, i, i);
    expect(rates.points[0]!.sinceStartMs).toBe(0);
    expect(rates.points.at(-1)!.sinceStartMs).toBeGreaterThan(MAX_RATE_POINTS * 250);
  });

  it('times samples from the run’s start where it is known: a tab that joined late is that far into the run', () => {
    const rates = new RateHistory();
    rates.reset(40_000);
    rates.add(100_000, 1, 1);
    expect(rates.points[0]!.sinceStartMs).toBe(60_000);
  });

  it('takes no sample once the run is over, whatever the thinning kept, until the next run’s reset', () => {
    const rates = new RateHistory();
    for (let i = 0; i < MAX_RATE_POINTS * 2; i++) rates.add(i * 250, 5, 5);
    // Thinned to one sample in two by now: the run's last instant is kept all the same.
    rates.end(MAX_RATE_POINTS * 500 + 1, 7, 7);
    const ended = rates.points;
    expect(ended.at(-1)).toMatchObject({ atMs: MAX_RATE_POINTS * 500 + 1, uploadBytesPerSec: 7 });
    // Before, a finished run's chart took the engine's zeros four times a second until the next run.
    for (let i = 1; i <= 40; i++) rates.add(MAX_RATE_POINTS * 500 + i * 250, 0, 0);
    rates.end(MAX_RATE_POINTS * 500 + 20_000, 0, 0);
    expect(rates.points).toBe(ended);
    rates.reset(1_000_000);
    rates.add(1_000_250, 3, 3);
    expect(rates.points).toEqual([
      { atMs: 1_000_250, sinceStartMs: 250, uploadBytesPerSec: 3, downloadBytesPerSec: 3 },
    ]);
  });
});
