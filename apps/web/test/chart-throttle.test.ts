import { describe, expect, it, vi } from 'vitest';
import { throttledRedraw } from '../src/lib/chart-throttle';
import { toWholeSecond, useFakeClock } from './fake-clock';

describe('throttledRedraw', () => {
  useFakeClock();

  it('draws the first request at once, then at most once per interval however often asked', () => {
    toWholeSecond();
    let draws = 0;
    const redraw = throttledRedraw(() => draws++, 1_000);
    redraw.request();
    vi.advanceTimersByTime(0);
    expect(draws).toBe(1);
    for (let i = 0; i < 8; i++) {
      redraw.request();
      vi.advanceTimersByTime(100);
    }
    expect(draws).toBe(1);
    vi.advanceTimersByTime(200);
    expect(draws).toBe(2);
    vi.advanceTimersByTime(5_000);
    expect(draws).toBe(2);
  });

  it('after a quiet spell, draws the next request at once', () => {
    let draws = 0;
    const redraw = throttledRedraw(() => draws++, 1_000);
    redraw.request();
    vi.advanceTimersByTime(3_000);
    redraw.request();
    vi.advanceTimersByTime(0);
    expect(draws).toBe(2);
  });

  it('draws nothing once cancelled', () => {
    let draws = 0;
    const redraw = throttledRedraw(() => draws++, 1_000);
    redraw.request();
    redraw.cancel();
    vi.advanceTimersByTime(5_000);
    expect(draws).toBe(0);
  });
});
