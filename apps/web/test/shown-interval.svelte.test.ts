import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ALWAYS_VISIBLE, ShownWhileVisible } from '../src/lib/state/page-visibility.svelte';

describe('ShownWhileVisible with a minimum interval', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('publishes at most once per interval, and the latest value at the end of it', () => {
    const value = new ShownWhileVisible(ALWAYS_VISIBLE, 0, 500);
    value.set(1);
    expect(value.shown).toBe(1);
    vi.advanceTimersByTime(250);
    value.set(2);
    value.set(3);
    expect(value.shown).toBe(1);
    vi.advanceTimersByTime(249);
    expect(value.shown).toBe(1);
    vi.advanceTimersByTime(1);
    expect(value.shown).toBe(3);
    vi.advanceTimersByTime(500);
    value.set(4);
    expect(value.shown).toBe(4);
    value.dispose();
  });
});
