import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '@swarmlab/engine';
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

describe('the engine’s clocks', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('do not follow the wall clock when it is set back a minute (a laptop syncing its time)', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const before = { browser: browserClock.nowMs(), system: systemClock.nowMs() };
    vi.setSystemTime(Date.now() - 60_000);
    expect(browserClock.nowMs()).toBeGreaterThanOrEqual(before.browser);
    expect(systemClock.nowMs()).toBeGreaterThanOrEqual(before.system);
    vi.setSystemTime(Date.now() + 3_600_000);
    expect(browserClock.nowMs() - before.browser).toBeLessThan(60_000);
    expect(systemClock.nowMs() - before.system).toBeLessThan(60_000);
  });
});
