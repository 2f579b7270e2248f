import { describe, expect, it } from 'vitest';
import { formatRate } from '../src/index';

describe('rates as screens and terminals show them', () => {
  it('shows rates below 1 MB/s in kB/s, where the slowest caps read 0.01 MB/s', () => {
    expect(formatRate(12_500)).toBe('12.5 kB/s');
    // A 32 kB/s link read "0.0 MB/s" on the headless peer's terminal, as if stalled.
    expect(formatRate(32_000)).toBe('32.0 kB/s');
    expect(formatRate(500_000)).toBe('500 kB/s');
    expect(formatRate(0)).toBe('0 kB/s');
    // A rate there is never reads as none, as shares read "<1 %": 40 B/s read "0.0 kB/s".
    expect(formatRate(40)).toBe('<0.1 kB/s');
    expect(formatRate(49)).toBe('<0.1 kB/s');
    expect(formatRate(50)).toBe('0.1 kB/s');
    expect(formatRate(2_000_000)).toBe('2.00 MB/s');
    expect(formatRate(25_300_000)).toBe('25.3 MB/s');
  });

  it('judges each range by the figure as shown: not "1000 kB/s", "100.0 kB/s" nor "10.00 MB/s"', () => {
    expect(formatRate(999_950)).toBe('1.00 MB/s');
    expect(formatRate(99_960)).toBe('100 kB/s');
    expect(formatRate(9_999_000)).toBe('10.0 MB/s');
  });
});
