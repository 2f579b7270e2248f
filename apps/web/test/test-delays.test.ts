import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { releaseTestDelays, testDelay } from '../src/lib/test-delays';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('a wait a test switch added', () => {
  it('ends when its time is up', async () => {
    let over = false;
    void testDelay(5000).then(() => (over = true));
    await vi.advanceTimersByTimeAsync(4999);
    expect(over).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(over).toBe(true);
    // Over, it is no longer held: a release later finds nothing.
    expect(releaseTestDelays()).toBe(0);
  });

  it('ends sooner when the test releases it, every one still going, and says how many', async () => {
    const over: number[] = [];
    void testDelay(60_000).then(() => over.push(1));
    void testDelay(30_000).then(() => over.push(2));
    await vi.advanceTimersByTimeAsync(1000);
    expect(releaseTestDelays()).toBe(2);
    await vi.advanceTimersByTimeAsync(0);
    expect(over.sort()).toEqual([1, 2]);
    expect(releaseTestDelays()).toBe(0);
    // Their timers went with them.
    expect(vi.getTimerCount()).toBe(0);
  });
});
