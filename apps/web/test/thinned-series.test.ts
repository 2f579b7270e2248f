import { describe, expect, it } from 'vitest';
import { ThinnedSeries } from '../src/lib/thinned-series';

describe('ThinnedSeries', () => {
  it('keeps every sample up to its size', () => {
    const series = new ThinnedSeries<number>(4);
    for (let i = 0; i < 4; i++) expect(series.add(i)).toBe(true);
    expect(series.points).toEqual([0, 1, 2, 3]);
  });

  it('past its size, keeps every other point and then every other sample: the start stays', () => {
    const series = new ThinnedSeries<number>(4);
    for (let i = 0; i < 5; i++) series.add(i);
    expect(series.points).toEqual([0, 2, 4]);
    expect(series.add(5)).toBe(false);
    expect(series.add(6)).toBe(true);
    expect(series.points).toEqual([0, 2, 4, 6]);
    for (let i = 7; i < 100; i++) series.add(i);
    expect(series.points[0]).toBe(0);
    expect(series.points.length).toBeLessThanOrEqual(4);
    // Evenly spread over the whole run.
    const gaps = series.points.slice(1).map((point, index) => point - series.points[index]!);
    expect(new Set(gaps).size).toBe(1);
  });

  it('keeps a sample offered as always, whatever the stride', () => {
    const series = new ThinnedSeries<number>(2);
    for (let i = 0; i < 3; i++) series.add(i);
    expect(series.add(3)).toBe(false);
    expect(series.add(99, true)).toBe(true);
    expect(series.points.at(-1)).toBe(99);
  });

  it('starts afresh once cleared', () => {
    const series = new ThinnedSeries<number>(2);
    for (let i = 0; i < 10; i++) series.add(i);
    series.clear();
    expect(series.points).toEqual([]);
    series.add(1);
    series.add(2);
    expect(series.points).toEqual([1, 2]);
  });

  it('refuses a size it cannot thin', () => {
    expect(() => new ThinnedSeries<number>(1)).toThrow(RangeError);
    expect(() => new ThinnedSeries<number>(2.5)).toThrow(RangeError);
  });
});
