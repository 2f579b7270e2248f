import { describe, expect, it, vi } from 'vitest';
import { throttledRedraw } from '../src/lib/chart-throttle';
import { atGridInstant, gridInstantMs } from '../src/lib/display-grid';
import { ALWAYS_VISIBLE, ShownWhileVisible } from '../src/lib/state/page-visibility.svelte';
import { toWholeSecond, useFakeClock } from './fake-clock';

describe('the display grid', () => {
  useFakeClock();

  it('rounds up to a multiple of the interval and refuses an interval that is not positive', () => {
    expect(gridInstantMs(0, 500)).toBe(0);
    expect(gridInstantMs(1, 500)).toBe(500);
    expect(gridInstantMs(500, 500)).toBe(500);
    expect(gridInstantMs(1234.5, 1000)).toBe(2000);
    expect(() => gridInstantMs(10, 0)).toThrow(RangeError);
    expect(() => gridInstantMs(10, Number.NaN)).toThrow(RangeError);
  });

  it('runs every callback due at one instant in one timer task, intervals that divide each other included', () => {
    toWholeSecond();
    vi.advanceTimersByTime(130);
    const calls: string[] = [];
    // Due at 530, 830 and 730 ms: the first instant of each interval's grid after that is 1000 ms.
    atGridInstant(performance.now() + 400, 500, () => calls.push('display'));
    atGridInstant(performance.now() + 700, 1000, () => calls.push('chart'));
    atGridInstant(performance.now() + 600, 500, () => calls.push('progress'));
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(869);
    expect(calls).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(calls).toEqual(['display', 'chart', 'progress']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('cancels one callback without the others, and drops the timer with the last', () => {
    toWholeSecond();
    const calls: string[] = [];
    const cancelA = atGridInstant(performance.now() + 1, 500, () => calls.push('a'));
    const cancelB = atGridInstant(performance.now() + 1, 500, () => calls.push('b'));
    cancelA();
    expect(vi.getTimerCount()).toBe(1);
    cancelB();
    expect(vi.getTimerCount()).toBe(0);
    // The same instant again, in a slot of its own: the cancels of the first slot's callbacks leave it be.
    atGridInstant(performance.now() + 1, 500, () => calls.push('c'));
    cancelA();
    cancelB();
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(1000);
    expect(calls).toEqual(['c']);
  });

  it('passes each callback the instant it was due at', () => {
    const baseMs = toWholeSecond();
    const dueAtMs: number[] = [];
    atGridInstant(baseMs + 10, 500, (dueMs) => dueAtMs.push(dueMs - baseMs));
    atGridInstant(baseMs + 600, 1000, (dueMs) => dueAtMs.push(dueMs - baseMs));
    vi.advanceTimersByTime(2000);
    expect(dueAtMs).toEqual([500, 1000]);
  });

  it('keeps a throttled value and a chart on the grid when timers run late, as on a busy page', () => {
    const baseMs = toWholeSecond();
    // The callbacks of every instant read the clock 3 ms late: a probe at each instant, registered before
    // anything else, makes it so until the test's next step.
    let lateMs = 0;
    for (let atMs = 500; atMs <= 4000; atMs += 500) atGridInstant(baseMs + atMs, 500, () => (lateMs = 3));
    const realNow = performance.now.bind(performance);
    const now = vi.spyOn(performance, 'now').mockImplementation(() => realNow() + lateMs);
    const value = new ShownWhileVisible(ALWAYS_VISIBLE, 0, 500);
    const drawsAtMs: number[] = [];
    const chart = throttledRedraw(() => drawsAtMs.push(realNow() - baseMs), 1000);
    const changesAtMs: number[] = [];
    try {
      for (let stepMs = 0; stepMs < 3500; stepMs += 250) {
        lateMs = 0;
        value.set(value.latest + 1);
        chart.request();
        const before = value.shown;
        vi.advanceTimersByTime(250);
        if (value.shown !== before) changesAtMs.push(realNow() - baseMs);
      }
    } finally {
      now.mockRestore();
      value.dispose();
      chart.cancel();
    }
    // Every 500 ms instant, none skipped (counting from when a late timer ran skipped every other one).
    expect(changesAtMs).toEqual([500, 1000, 1500, 2000, 2500, 3000, 3500]);
    expect(drawsAtMs).toEqual([0, 1000, 2000, 3000]);
  });

  it('runs the other callbacks of an instant when one throws, and reports the error', () => {
    toWholeSecond();
    const calls: string[] = [];
    const reports: (() => void)[] = [];
    const queueMicrotask = vi.spyOn(globalThis, 'queueMicrotask').mockImplementation((report) => reports.push(report));
    try {
      atGridInstant(performance.now() + 1, 500, () => {
        throw new Error('a drawing failed');
      });
      atGridInstant(performance.now() + 1, 500, () => calls.push('after'));
      vi.advanceTimersByTime(500);
    } finally {
      queueMicrotask.mockRestore();
    }
    expect(calls).toEqual(['after']);
    // The error is thrown again from a microtask of its own: reported as uncaught, like any other.
    expect(reports).toHaveLength(1);
    expect(() => reports[0]!()).toThrow('a drawing failed');
  });

  it('puts two throttled values of different phases, and a chart, on the same instants', () => {
    const progress = new ShownWhileVisible(ALWAYS_VISIBLE, 0, 500);
    const snapshot = new ShownWhileVisible(ALWAYS_VISIBLE, 0, 500);
    const drawsAtMs: number[] = [];
    const chart = throttledRedraw(() => drawsAtMs.push(performance.now()), 1000);
    const baseMs = toWholeSecond();
    // Each source's first value is shown at once, off the grid: at 30 and 160 ms.
    vi.advanceTimersByTime(30);
    progress.set(1);
    chart.request();
    vi.advanceTimersByTime(130);
    snapshot.set(1);
    vi.advanceTimersByTime(0);
    expect([progress.shown, snapshot.shown, drawsAtMs]).toEqual([1, 1, [baseMs + 30]]);
    // Then each has a new value every 250 ms, at 410, 660, … (the chart a request with each).
    const changesAtMs = { progress: [] as number[], snapshot: [] as number[] };
    let last = { progress: 1, snapshot: 1 };
    for (let nowMs = 170; nowMs <= 2600; nowMs += 10) {
      vi.advanceTimersByTime(10);
      if (progress.shown !== last.progress) changesAtMs.progress.push(performance.now() - baseMs);
      if (snapshot.shown !== last.snapshot) changesAtMs.snapshot.push(performance.now() - baseMs);
      last = { progress: progress.shown, snapshot: snapshot.shown };
      if ((nowMs - 160) % 250 === 0) {
        progress.set(progress.latest + 1);
        snapshot.set(snapshot.latest + 1);
        chart.request();
      }
    }
    // Both change at the same grid instants, once per 500 ms; the chart redraws at one of them a second.
    expect(changesAtMs.progress).toEqual([1000, 1500, 2000, 2500]);
    expect(changesAtMs.snapshot).toEqual(changesAtMs.progress);
    expect(drawsAtMs.map((atMs) => atMs - baseMs)).toEqual([30, 2000]);
    progress.dispose();
    snapshot.dispose();
    chart.cancel();
    expect(vi.getTimerCount()).toBe(0);
  });
});
