import { afterEach, beforeEach, expect, vi } from 'vitest';
import { gridInstantMs } from '../src/lib/display-grid';

/**
 * Fake timers for each test of the calling file. After each test, whatever it left pending runs on the fake
 * clock before the real timers return: the display grid keeps its pending instants in a module, and one left
 * behind with its timer gone would swallow a later test's callbacks due at the same instant.
 */
export function useFakeClock(): void {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => {
    vi.runOnlyPendingTimers();
    vi.useRealTimers();
  });
}

/**
 * Advances the fake clock to the next whole second of `performance.now()` and returns it: an instant of
 * every display grid of 500 or 1000 ms, so a test's times do not depend on where the fake clock started.
 */
export function toWholeSecond(): number {
  const baseMs = gridInstantMs(Math.floor(performance.now()) + 1, 1000);
  vi.advanceTimersByTime(baseMs - performance.now());
  expect(performance.now()).toBe(baseMs);
  return baseMs;
}
