import { describe, expect, it, vi } from 'vitest';
import { ALWAYS_VISIBLE, ShownWhileVisible, type PageVisibility } from '../src/lib/state/page-visibility.svelte';
import { toWholeSecond, useFakeClock } from './fake-clock';

describe('ShownWhileVisible with a minimum interval', () => {
  useFakeClock();

  it('publishes at most once per interval, and the latest value at the end of it', () => {
    toWholeSecond();
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

  it('rounds the end of an interval up to the display grid', () => {
    toWholeSecond();
    vi.advanceTimersByTime(130);
    const value = new ShownWhileVisible(ALWAYS_VISIBLE, 0, 500);
    value.set(1);
    vi.advanceTimersByTime(100);
    value.set(2);
    // The interval ends 630 ms past the whole second; the grid's next instant is 1000.
    vi.advanceTimersByTime(769);
    expect(value.shown).toBe(1);
    vi.advanceTimersByTime(1);
    expect(value.shown).toBe(2);
    value.dispose();
  });

  it('when shown, publishes at once in place of a value waiting for its instant, and counts from then', () => {
    toWholeSecond();
    let listener: ((visible: boolean) => void) | undefined;
    const page: PageVisibility & { visible: boolean } = {
      visible: true,
      onChange: (onChange) => {
        listener = onChange;
        return () => (listener = undefined);
      },
    };
    const value = new ShownWhileVisible(page, 0, 500);
    value.set(1);
    vi.advanceTimersByTime(100);
    value.set(2); // waits for the instant at 500 ms
    page.visible = false;
    listener?.(false);
    vi.advanceTimersByTime(100);
    value.set(3);
    page.visible = true;
    listener?.(true);
    expect(value.shown).toBe(3);
    // Nothing more at 500 ms: the pending publication was cancelled, and the next waits a whole interval.
    value.set(4);
    vi.advanceTimersByTime(300);
    expect(value.shown).toBe(3);
    vi.advanceTimersByTime(500);
    expect(value.shown).toBe(4);
    value.dispose();
    expect(listener).toBeUndefined();
  });
});
