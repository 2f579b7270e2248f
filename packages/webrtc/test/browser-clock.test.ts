import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { browserClock, everyMs } from '../src/browser-clock';

// Node has no Worker: these run on the fallback (the runtime's own timers), which is what a page whose
// policy forbids blob workers gets. The worker path is exercised by the background-tab e2e test.
describe('browserClock and everyMs without workers', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires a timer after its delay, and never once cancelled', () => {
    const fired: string[] = [];
    browserClock.setTimer(100, () => fired.push('a'));
    const cancel = browserClock.setTimer(100, () => fired.push('b'));
    cancel();
    vi.advanceTimersByTime(99);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(['a']);
  });

  it('runs a task every period until stopped, even when the task stops it', () => {
    let runs = 0;
    const stop = everyMs(250, () => {
      runs++;
      if (runs === 3) stop();
    });
    vi.advanceTimersByTime(2000);
    expect(runs).toBe(3);
  });
});
